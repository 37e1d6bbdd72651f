import { afterEach, describe, expect, it, vi } from 'vitest'
import { RESERVED_CLAIMS, authenticationMethods, filterClaims, isReservedClaimName, profileClaims, resolveCustomClaims, tokenClaims, withoutReservedClaims } from '../../src/runtime/server/tokens/claims'
import type { AegisUser, CustomClaims, ProviderTokens } from '../../src/runtime/types'

const user: AegisUser = { sub: 'alice', provider: 'mock', email: 'alice@example.com', email_verified: true, name: 'Alice' }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('[JWT-3] filterClaims', () => {
  it('keeps primitives, null and arrays of primitives', () => {
    expect(filterClaims({ role: 'admin', level: 3, beta: false, nothing: null, tags: ['a', 1, true, null], empty: [] }))
      .toEqual({ role: 'admin', level: 3, beta: false, nothing: null, tags: ['a', 1, true, null], empty: [] })
  })

  it('drops every reserved claim with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const out = filterClaims({ iss: 'evil', sub: 'admin', aud: 'x', exp: 9e9, nbf: 0, iat: 0, jti: 'j', role: 'user' })
    expect(out).toEqual({ role: 'user' })
    expect([...RESERVED_CLAIMS].sort()).toEqual(['acr', 'act', 'amr', 'aud', 'auth_time', 'cgen', 'cnf', 'exp', 'iat', 'iss', 'jti', 'may_act', 'nbf', 'sid', 'sub'])
    expect(warn).toHaveBeenCalledOnce()
    expect(String(warn.mock.calls[0]!.join(' '))).toMatch(/iss \(reserved\)/)
  })

  it('does not pollute prototypes with __proto__, constructor or prototype', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const out = filterClaims(JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}},"prototype":"p","ok":1}'))
    expect(out).toEqual({ ok: 1 })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.hasOwn(out, '__proto__')).toBe(false)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect((out as Record<string, unknown>).x).toBeUndefined()
    const polluted = filterClaims(JSON.parse('{"__proto__":"admin"}'))
    expect(Object.keys(polluted)).toEqual([])
  })

  it('drops nested objects, functions, undefined, non-finite numbers and arrays with objects', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const out = filterClaims({
      nested: { admin: true },
      fn: () => 'x',
      undef: undefined,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      big: 10n,
      sym: Symbol('s'),
      date: new Date(),
      mixed: ['a', { b: 1 }],
      nestedArray: [['a']],
      huge: Array.from({ length: 101 }, (_, i) => i),
      keep: 'yes',
    })
    expect(out).toEqual({ keep: 'yes' })
  })

  it('keeps an array of 100 primitives', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i)
    expect(filterClaims({ hundred })).toEqual({ hundred })
  })
})

describe('[JWT-3] resolveCustomClaims', () => {
  it('returns {} without custom claims', async () => {
    expect(await resolveCustomClaims(undefined, user, undefined)).toEqual({})
  })

  it('filters an object form', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await resolveCustomClaims({ role: 'admin', sub: 'root' }, user, undefined)).toEqual({ role: 'admin' })
  })

  it('calls the function form with the user and tokens, sync or async, and filters the result', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const tokens: ProviderTokens = { access_token: 'at', token_type: 'Bearer' }
    const fn = vi.fn(async (u: AegisUser, t: ProviderTokens | undefined) => ({ who: u.sub, hasToken: Boolean(t?.access_token), iss: 'evil' }))
    expect(await resolveCustomClaims(fn as CustomClaims, user, tokens)).toEqual({ who: 'alice', hasToken: true })
    expect(fn).toHaveBeenCalledWith(user, tokens)
    const sync = vi.fn(() => ({ role: 'user' }))
    expect(await resolveCustomClaims(sync, user, undefined)).toEqual({ role: 'user' })
    expect(sync).toHaveBeenCalledWith(user, undefined)
  })

  it.each([null, 'admin', 42, ['role'], undefined])('ignores a non-object return (%j) with a warning', async (value) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await resolveCustomClaims((() => value) as unknown as CustomClaims, user, undefined)).toEqual({})
    expect(warn).toHaveBeenCalled()
  })
})

describe('[JWT-3] profileClaims', () => {
  it('carries provider and the profile fields that are set, nothing else', () => {
    expect(profileClaims({ ...user, secretThing: 'x' })).toEqual({ provider: 'mock', email: 'alice@example.com', email_verified: true, name: 'Alice' })
    expect(profileClaims({ sub: 'b', provider: 'github' })).toEqual({ provider: 'github' })
  })
})

describe('amr (authentication methods, RFC 8176)', () => {
  it('is reserved: custom claims cannot claim a second factor', () => {
    expect(filterClaims({ amr: ['mfa'], act: { sub: 'x' }, role: 'a' } as Record<string, unknown>)).toEqual({ role: 'a' })
  })

  it('accepts short lower-case method names, deduplicated in order', () => {
    expect(authenticationMethods(['pwd', 'otp', 'pwd'])).toEqual(['pwd', 'otp'])
  })

  it.each([[[]], [['PWD']], [['pwd otp']], [['x'.repeat(33)]], [Array.from({ length: 9 }, (_, i) => `m${i}`)]])('refuses %j', (amr) => {
    expect(() => authenticationMethods(amr)).toThrow(/amr must be/)
  })

  it('refuses look-alike names of reserved claims (case, Unicode compatibility forms)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    for (const name of ['AMR', 'Amr', '\uFF41\uFF4D\uFF52', 'SID', 'Act', 'May_Act', 'AUTH_TIME', '__PROTO__']) expect(isReservedClaimName(name), name).toBe(true)
    for (const name of ['role', 'amrx', 'provider_id', 'sid2']) expect(isReservedClaimName(name), name).toBe(false)
    expect(filterClaims({ AMR: ['mfa'], ａｍｒ: ['mfa'], role: 'a' })).toEqual({ role: 'a' })
  })
})

describe('[JWT-6] tokenClaims: amr, sid and the profile come only from the module', () => {
  it('takes amr from the login facts, never from stored claims (sessions and CODEs of older versions)', () => {
    const stored = { role: 'a', amr: ['mfa', 'otp'], AMR: ['mfa'], act: 'admin', sid: 'forged', acr: 'gold' }
    expect(withoutReservedClaims(stored)).toEqual({ role: 'a' })
    const out = tokenClaims(user, stored)
    expect(out).not.toHaveProperty('amr')
    expect(out).not.toHaveProperty('AMR')
    expect(out).not.toHaveProperty('act')
    expect(out).not.toHaveProperty('sid')
    expect(out).not.toHaveProperty('acr')
    expect(tokenClaims(user, stored, { amr: ['pwd'] }).amr).toEqual(['pwd'])
  })

  it('lets custom claims add names and replace name/picture, never email or email_verified', () => {
    const out = tokenClaims({ ...user, email_verified: false }, { email_verified: true, email: 'admin@example.com', provider: 'admin', role: 'x', name: 'Al' })
    expect(out).toMatchObject({ email_verified: false, email: 'alice@example.com', provider: 'mock', sub: 'alice', role: 'x', name: 'Al' })
    // Not even when the profile has none (a GitHub user without a public address).
    const bare = tokenClaims({ sub: 'b', provider: 'github' }, { email: 'ceo@corp.example', email_verified: true, role: 'x' })
    expect(bare).not.toHaveProperty('email')
    expect(bare).not.toHaveProperty('email_verified')
    expect(bare.role).toBe('x')
  })
})
