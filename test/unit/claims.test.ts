import { afterEach, describe, expect, it, vi } from 'vitest'
import { RESERVED_CLAIMS, authenticationMethods, filterClaims, keepSessionClaims, profileClaims, resolveCustomClaims } from '../../src/runtime/server/tokens/claims'
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
    expect([...RESERVED_CLAIMS].sort()).toEqual(['act', 'amr', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sid', 'sub'])
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

  it('survives a claims callback that runs again (refresh, claims update)', () => {
    expect(keepSessionClaims({ role: 'b' }, { role: 'a', amr: ['pwd', 'otp'] })).toEqual({ role: 'b', amr: ['pwd', 'otp'] })
    expect(keepSessionClaims({ role: 'b' }, { role: 'a' })).toEqual({ role: 'b' })
  })
})
