import { describe, expect, it } from 'vitest'
import { pkceChallenge } from '../../src/runtime/server/core/crypto'
import { AegisError } from '../../src/runtime/server/core/errors'
import { PROTECTED_PARAMS, authorizationUrl, normalizeProfile, providerErrorCode, redirectUri, single } from '../../src/runtime/server/oauth/engine'
import type { EngineContext, OAuthProviderDefinition, ProviderConfig } from '../../src/runtime/server/oauth/types'
import { createTransaction } from '../../src/runtime/server/oauth/transaction'
import type { Transaction } from '../../src/runtime/server/oauth/transaction'
import type { AegisProfile } from '../../src/runtime/types'
import { googleProvider } from '../../src/runtime/server/oauth/providers/google'
import { microsoftProvider } from '../../src/runtime/server/oauth/providers/microsoft'

const ctx: EngineContext = { origin: 'https://app.example', authPath: '/auth' }

const provider: OAuthProviderDefinition = {
  name: 'acme',
  defaultScopes: ['openid', 'email'],
  endpoints: () => ({
    authorization: 'https://idp.example/authorize?tenant=t1',
    token: 'https://idp.example/token',
    userinfo: 'https://idp.example/userinfo',
  }),
  openid: false,
  forwardParams: ['login_hint'],
  profile: ({ userinfo = {} }) => ({ ...userinfo, sub: userinfo.sub as string }),
}
const AUTHZ = 'https://idp.example/authorize?tenant=t1'
/** The same provider as an OpenID one: a nonce goes along. */
const openidProvider: OAuthProviderDefinition = { ...provider, openid: true }

const config: ProviderConfig = { clientId: 'client-1', clientSecret: 'client-secret-1' }

function tx(): Transaction {
  return createTransaction('acme', '/after', 1_700_000_000_000)
}

function paramsOf(url: string) {
  const u = new URL(url)
  return { url: u, get: (name: string) => u.searchParams.getAll(name) }
}

describe('[LOGIN-1] authorizationUrl', () => {
  it('carries response_type, client_id, redirect_uri, scope, state, nonce and an S256 challenge of the verifier', () => {
    const t = tx()
    const { url, get } = paramsOf(authorizationUrl(openidProvider, config, t, ctx, AUTHZ))
    expect(url.origin + url.pathname).toBe('https://idp.example/authorize')
    expect(get('tenant')).toEqual(['t1'])
    expect(get('response_type')).toEqual(['code'])
    expect(get('client_id')).toEqual(['client-1'])
    expect(get('redirect_uri')).toEqual(['https://app.example/auth/acme'])
    expect(get('scope')).toEqual(['openid email'])
    expect(get('state')).toEqual([t.state])
    expect(get('nonce')).toEqual([t.nonce])
    expect(get('code_challenge')).toEqual([pkceChallenge(t.verifier)])
    expect(get('code_challenge_method')).toEqual(['S256'])
    // The verifier itself never leaves the server.
    expect(url.href).not.toContain(t.verifier)
  })

  it('uses configured scopes instead of the defaults', () => {
    const { get } = paramsOf(authorizationUrl(provider, { ...config, scopes: ['read:user'] }, tx(), ctx, AUTHZ))
    expect(get('scope')).toEqual(['read:user'])
  })

  it('keepTokens asks for what issues a refresh token: Entra offline_access (also over configured scopes), Google access_type=offline', () => {
    const scope = (def: OAuthProviderDefinition, extra: Partial<ProviderConfig>) => paramsOf(authorizationUrl(def, { ...config, ...extra }, tx(), ctx, AUTHZ)).get('scope')[0]
    expect(scope(microsoftProvider, {})).toBe('openid profile email')
    expect(scope(microsoftProvider, { keepTokens: true })).toBe('openid profile email offline_access')
    expect(scope(microsoftProvider, { keepTokens: 'true', scopes: ['openid', 'offline_access', 'User.Read'] })).toBe('openid offline_access User.Read')
    const accessType = (extra: Partial<ProviderConfig>) => paramsOf(authorizationUrl(googleProvider, { ...config, ...extra }, tx(), ctx, AUTHZ)).get('access_type')
    expect(accessType({})).toEqual([])
    expect(accessType({ keepTokens: true })).toEqual(['offline'])
    expect(accessType({ keepTokens: true, hd: 'example.com' })).toEqual(['offline'])
  })

  it('builds redirect_uri from the configured origin and auth path', () => {
    expect(redirectUri('acme', ctx)).toBe('https://app.example/auth/acme')
  })

  it('passes harmless authorizationParams and forwarded params through', () => {
    const { get } = paramsOf(authorizationUrl(provider, { ...config, authorizationParams: { prompt: 'consent', access_type: 'offline' } }, tx(), ctx, AUTHZ, { login_hint: 'a@b.c' }))
    expect(get('prompt')).toEqual(['consent'])
    expect(get('access_type')).toEqual(['offline'])
    expect(get('login_hint')).toEqual(['a@b.c'])
  })
})

describe('[LOGIN-3] protected authorization parameters cannot be overridden', () => {
  const hostile: Record<string, string> = {
    state: 'attacker-state',
    nonce: 'attacker-nonce',
    code_challenge: 'attacker-challenge',
    code_challenge_method: 'plain',
    redirect_uri: 'https://evil.example/cb',
    response_type: 'token',
    client_id: 'attacker-client',
    scope: 'admin',
  }

  it('lists every protected parameter', () => {
    expect([...PROTECTED_PARAMS].sort()).toEqual(Object.keys(hostile).sort())
  })

  it.each(['authorizationParams', 'forwarded'])('via %s', (via) => {
    const t = tx()
    const url = via === 'authorizationParams'
      ? authorizationUrl(openidProvider, { ...config, authorizationParams: hostile }, t, ctx, AUTHZ)
      : authorizationUrl(openidProvider, config, t, ctx, AUTHZ, hostile)
    const { get, url: u } = paramsOf(url)
    expect(get('state')).toEqual([t.state])
    expect(get('nonce')).toEqual([t.nonce])
    expect(get('code_challenge')).toEqual([pkceChallenge(t.verifier)])
    expect(get('code_challenge_method')).toEqual(['S256'])
    expect(get('redirect_uri')).toEqual(['https://app.example/auth/acme'])
    expect(get('response_type')).toEqual(['code'])
    expect(get('client_id')).toEqual(['client-1'])
    expect(get('scope')).toEqual(['openid email'])
    for (const value of Object.values(hostile)) expect(u.search).not.toContain(encodeURIComponent(value))
  })

  it('ignores non-string values', () => {
    const { get } = paramsOf(authorizationUrl(provider, { ...config, authorizationParams: { prompt: ['a', 'b'] as unknown as string } }, tx(), ctx, AUTHZ))
    expect(get('prompt')).toEqual([])
  })
})

describe('[LOGIN-2] single() rejects duplicate callback parameters', () => {
  it('returns a single value or undefined', () => {
    expect(single({ state: 'abc' }, 'state')).toBe('abc')
    expect(single({}, 'state')).toBeUndefined()
    expect(single({ state: '' }, 'state')).toBe('')
  })

  it.each([['a', 'b'], ['a'], { nested: 'x' }, 42, null])('throws 400 invalid_state for %j', (value) => {
    let error: unknown
    try {
      single({ code: value }, 'code')
    }
    catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AegisError)
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_state' })
  })
})

describe('[LOGIN-4] providerErrorCode', () => {
  it('passes access_denied through', () => {
    expect(providerErrorCode('access_denied')).toBe('access_denied')
  })

  it.each(['server_error', 'invalid_scope', 'temporarily_unavailable', '<script>alert(1)</script>', '', 'ACCESS_DENIED', 'access_denied ', '__proto__', 'constructor'])('maps %j to provider_error', (error) => {
    expect(providerErrorCode(error)).toBe('provider_error')
  })
})

describe('[LOGIN-5] normalizeProfile', () => {
  const norm = (raw: Record<string, unknown>) => normalizeProfile(raw as AegisProfile & Record<string, unknown>)

  it('keeps a valid profile', () => {
    expect(norm({ sub: 'u1', email: 'a@b.example', email_verified: true, name: 'Alice', picture: 'https://img.example/a.png' }))
      .toEqual({ sub: 'u1', email: 'a@b.example', email_verified: true, name: 'Alice', picture: 'https://img.example/a.png' })
  })

  it.each([undefined, '', '   ', null, {}, ['x'], 1.5, Number.NaN, true, 'x'.repeat(256)])('throws login_failed for sub %j', (sub) => {
    expect(() => norm({ sub, email: 'a@b.example' })).toThrow(AegisError)
    try {
      norm({ sub })
    }
    catch (e) {
      expect(e).toMatchObject({ code: 'login_failed' })
    }
  })

  it('turns a numeric (GitHub-style) sub into a string and trims strings', () => {
    expect(norm({ sub: 12345 }).sub).toBe('12345')
    expect(norm({ sub: '  u1  ' }).sub).toBe('u1')
    expect(norm({ sub: 'x'.repeat(255) }).sub).toHaveLength(255)
  })

  it('drops an over-long or non-string name', () => {
    expect(norm({ sub: 'u', name: 'n'.repeat(257) }).name).toBeUndefined()
    expect(norm({ sub: 'u', name: 'n'.repeat(256) }).name).toHaveLength(256)
    expect(norm({ sub: 'u', name: { first: 'A' } }).name).toBeUndefined()
    expect(norm({ sub: 'u', name: ['A'] }).name).toBeUndefined()
  })

  it.each(['not-an-email', 'a b@c.d', '@b.example', 'a@', 'a@b@c', `${'a'.repeat(320)}@b.c`, 42])('drops invalid email %j (and its verified flag)', (email) => {
    const out = norm({ sub: 'u', email, email_verified: true })
    expect(out.email).toBeUndefined()
    expect(out.email_verified).toBeUndefined()
  })

  it.each([[true, true], ['true', false], [1, false], ['yes', false], [undefined, false], [null, false]])('email_verified %j → %j', (value, expected) => {
    expect(norm({ sub: 'u', email: 'a@b.example', email_verified: value }).email_verified).toBe(expected)
  })

  it.each(['javascript:alert(1)', 'data:image/png;base64,AAAA', '//evil.example/a.png', '/relative.png', 'ftp://x/a.png', `https://x/${'a'.repeat(2048)}`])('drops picture %j', (picture) => {
    expect(norm({ sub: 'u', picture }).picture).toBeUndefined()
  })

  it('keeps bounded primitive extras and drops objects, arrays, functions and long strings', () => {
    const out = norm({
      sub: 'u',
      login: 'alice',
      followers: 3,
      admin: false,
      org: { id: 1 },
      groups: ['a'],
      fn: () => 1,
      big: 'x'.repeat(1025),
      inf: Number.POSITIVE_INFINITY,
      nothing: null,
    })
    expect(out).toEqual({ sub: 'u', login: 'alice', followers: 3, admin: false })
  })

  it('an extra field cannot replace a normalized one', () => {
    const out = norm({ sub: 'u', email: 'bad', email_verified: 'true', picture: 'javascript:x', name: 'n'.repeat(300) })
    expect(out).toEqual({ sub: 'u' })
  })

  it('a __proto__ key does not pollute', () => {
    const raw = JSON.parse('{"sub":"u","__proto__":{"admin":true,"polluted":1},"constructor":{"prototype":{"polluted":2}},"prototype":"p","toString":"x"}')
    const out = norm(raw)
    expect(Object.keys(out)).toEqual(['sub'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect((out as Record<string, unknown>).admin).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(typeof out.toString).toBe('function')
  })
})

describe('[OIDC-1] authorizationUrl sends a nonce only to OpenID providers', () => {
  it('a plain OAuth 2 provider gets no nonce, even through authorizationParams', () => {
    const { get } = paramsOf(authorizationUrl(provider, { ...config, authorizationParams: { nonce: 'x' } }, tx(), ctx, AUTHZ))
    expect(get('nonce')).toEqual([])
  })
  it('a provider declaration\'s own authorizationParams cannot override protected ones either', () => {
    const t = tx()
    const def = { ...openidProvider, authorizationParams: () => ({ state: 'evil', hd: 'example.com' }) }
    const { get } = paramsOf(authorizationUrl(def, config, t, ctx, AUTHZ))
    expect(get('state')).toEqual([t.state])
    expect(get('hd')).toEqual(['example.com'])
  })
})

describe('[LOGIN-5] profile size', () => {
  it('keeps at most 50 extra fields', () => {
    const raw: Record<string, unknown> = { sub: 'x' }
    for (let index = 0; index < 200; index++) raw[`field${index}`] = index
    const profile = normalizeProfile(raw as { sub: string })
    expect(Object.keys(profile).filter(key => key.startsWith('field'))).toHaveLength(50)
  })
})
