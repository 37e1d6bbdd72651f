import { describe, expect, it } from 'vitest'
import { pkceChallenge } from '../../src/runtime/server/lib/crypto'
import { AegisError } from '../../src/runtime/server/lib/errors'
import { PROTECTED_PARAMS, authorizationUrl, completeLogin, normalizeProfile, providerErrorCode, redirectUri, single } from '../../src/runtime/server/lib/oauth/engine'
import type { EngineContext, OAuthProviderDefinition, ProviderConfig } from '../../src/runtime/server/lib/oauth/types'
import type { Fetcher } from '../../src/runtime/server/lib/oauth/fetch'
import { createTransaction } from '../../src/runtime/server/lib/oauth/transaction'
import type { Transaction } from '../../src/runtime/server/lib/oauth/transaction'
import type { AegisProfile } from '../../src/runtime/types'

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

async function loginError(promise: Promise<unknown>): Promise<AegisError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisError)
  return error as AegisError
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

interface Call { url: string, method: string, headers: Headers, body: string }

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

/** A provider on the wire: answers the token and userinfo endpoints, records every call. */
function fakeProvider(token: () => Response = () => json({ access_token: 'provider-at', token_type: 'Bearer' }), userinfo: () => Response = () => json(profile)) {
  const calls: Call[] = []
  const fetcher: Fetcher = async (url, init) => {
    calls.push({ url, method: String(init.method), headers: new Headers(init.headers), body: String(init.body ?? '') })
    return url.endsWith('/token') ? token() : userinfo()
  }
  return { fetcher, calls }
}

const profile = { sub: 'u-1', email: 'u@idp.example', email_verified: true, name: 'U' }
const cb = (t: Transaction, code = 'the-code') => new URLSearchParams({ state: t.state, code })

describe('[LOGIN-2] completeLogin (OAuth 2 provider, oauth4webapi on the wire)', () => {
  it('sends code, code_verifier, redirect_uri and client credentials; fetches userinfo with the access token', async () => {
    const t = tx()
    const { fetcher, calls } = fakeProvider()
    const result = await completeLogin(provider, config, t, cb(t), ctx, fetcher)
    expect(result.profile).toEqual(profile)
    expect(result.tokens.access_token).toBe('provider-at')
    expect(result.redirectTo).toBe('/after')
    expect(calls).toHaveLength(2)
    const tokenCall = calls[0]!
    expect(tokenCall.url).toBe('https://idp.example/token')
    expect(tokenCall.method).toBe('POST')
    expect(tokenCall.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/)
    const form = new URLSearchParams(tokenCall.body)
    expect(form.get('grant_type')).toBe('authorization_code')
    expect(form.get('code')).toBe('the-code')
    expect(form.get('code_verifier')).toBe(t.verifier)
    expect(form.get('redirect_uri')).toBe('https://app.example/auth/acme')
    expect(form.get('client_id')).toBe('client-1')
    expect(form.get('client_secret')).toBe('client-secret-1')
    expect(calls[1]!.url).toBe('https://idp.example/userinfo')
    expect(calls[1]!.method).toBe('GET')
    expect(calls[1]!.headers.get('authorization')).toBe('Bearer provider-at')
  })

  it('a state that does not match the transaction → invalid_state, nothing called', async () => {
    const { fetcher, calls } = fakeProvider()
    const error = await loginError(completeLogin(provider, config, tx(), new URLSearchParams({ state: 'other', code: 'c' }), ctx, fetcher))
    expect(error.code).toBe('invalid_state')
    expect(calls).toHaveLength(0)
  })

  it('client_secret_basic sends credentials in the header, not the body', async () => {
    const t = tx()
    const { fetcher, calls } = fakeProvider()
    await completeLogin({ ...provider, tokenEndpointAuth: 'client_secret_basic' }, { clientId: 'id:1', clientSecret: 's&2' }, t, cb(t), ctx, fetcher)
    expect(calls[0]!.headers.get('authorization')).toBe(`Basic ${Buffer.from('id%3A1:s%262').toString('base64')}`)
    expect(new URLSearchParams(calls[0]!.body).get('client_secret')).toBeNull()
  })

  it('public clients (none) send no secret', async () => {
    const t = tx()
    const { fetcher, calls } = fakeProvider()
    await completeLogin({ ...provider, tokenEndpointAuth: 'none' }, config, t, cb(t), ctx, fetcher)
    expect(new URLSearchParams(calls[0]!.body).get('client_secret')).toBeNull()
    expect(calls[0]!.headers.get('authorization')).toBeNull()
  })

  it.each([
    ['no access_token', { token_type: 'Bearer' }],
    ['empty access_token', { access_token: '', token_type: 'Bearer' }],
    ['non-string access_token', { access_token: 42, token_type: 'Bearer' }],
    ['no token_type', { access_token: 'at' }],
    ['token_type mac', { access_token: 'at', token_type: 'mac' }],
    ['an OAuth error', { error: 'invalid_grant' }],
  ])('token response with %s → login_failed, no userinfo call', async (_label, body) => {
    const t = tx()
    const { fetcher, calls } = fakeProvider(() => json(body, 'error' in body ? 400 : 200))
    const error = await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))
    expect(error).toMatchObject({ statusCode: 502, code: 'login_failed' })
    expect(calls).toHaveLength(1)
  })

  it.each([
    ['HTTP 500', () => json({ error: 'server_error' }, 500)],
    ['an HTML page', () => new Response('<html>oops</html>', { status: 200, headers: { 'content-type': 'text/html' } })],
  ])('token endpoint answering %s → provider_unavailable', async (_label, answer) => {
    const t = tx()
    const { fetcher, calls } = fakeProvider(answer)
    expect(await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))).toMatchObject({ code: 'provider_unavailable' })
    expect(calls).toHaveLength(1)
  })

  it('accepts token_type bearer in any case', async () => {
    for (const token_type of ['bearer', 'BEARER']) {
      const t = tx()
      const { fetcher } = fakeProvider(() => json({ access_token: 'at', token_type }))
      await expect(completeLogin(provider, config, t, cb(t), ctx, fetcher)).resolves.toMatchObject({ profile: { sub: 'u-1' } })
    }
  })

  it('a failing token endpoint → login_failed without the code or secrets in the detail', async () => {
    const t = tx()
    const { fetcher } = fakeProvider(() => json({ error: 'invalid_grant', error_description: 'bad the-code client-secret-1' }, 400))
    const error = await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))
    expect(error).toMatchObject({ statusCode: 502, code: 'login_failed' })
    expect(error.detail).toContain('invalid_grant')
    expect(error.detail).not.toContain('the-code')
    expect(error.detail).not.toContain('client-secret-1')
  })

  it('a failing userinfo endpoint → login_failed, without the access token in the detail', async () => {
    const t = tx()
    const { fetcher } = fakeProvider(undefined, () => json({ error: 'nope provider-at' }, 401))
    const error = await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))
    expect(error).toMatchObject({ code: 'login_failed' })
    expect(error.detail).not.toContain('provider-at')
  })

  it.each([null, 'text', ['array'], 42])('a userinfo that is not an object (%j) → login_failed', async (userinfo) => {
    const t = tx()
    const { fetcher } = fakeProvider(undefined, () => json(userinfo))
    expect(await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))).toMatchObject({ code: 'login_failed' })
  })

  it('a userinfo without sub → login_failed', async () => {
    const t = tx()
    const { fetcher } = fakeProvider(undefined, () => json({ email: 'x@y.z' }))
    expect(await loginError(completeLogin(provider, config, t, cb(t), ctx, fetcher))).toMatchObject({ code: 'login_failed' })
  })

  it('a provider without a userinfo endpoint → login_failed', async () => {
    const t = tx()
    const { fetcher } = fakeProvider()
    const bare = { ...provider, name: 'bare', endpoints: () => ({ authorization: 'https://idp.example/a', token: 'https://idp.example/token' }) }
    expect(await loginError(completeLogin(bare, config, t, cb(t), ctx, fetcher))).toMatchObject({ code: 'login_failed' })
  })

  it('the profile from userinfo is normalized', async () => {
    const t = tx()
    const { fetcher } = fakeProvider(undefined, () => json(JSON.parse('{"sub":7,"email":"nope","picture":"javascript:x","__proto__":{"admin":true}}')))
    const result = await completeLogin(provider, config, t, cb(t), ctx, fetcher)
    expect(result.profile).toEqual({ sub: '7' })
  })

  it('profileFields keeps the raw fields asked for, bounded, never replacing the normalized ones', async () => {
    // A mapping that keeps only the normalized fields, as the built-in providers do.
    const strict = { ...provider, name: 'strict', profile: ({ userinfo = {} }: { userinfo?: Record<string, unknown> }) => ({ sub: 'mapped-sub', email: userinfo.email as string, email_verified: true }) }
    const raw = { ...profile, department: 'R&D', groups: ['a'], level: 3, other: 'not asked for' }
    const t = tx()
    const result = await completeLogin(strict, { ...config, profileFields: ['department', 'groups', 'level', 'sub', 'name'] }, t, cb(t), ctx, fakeProvider(undefined, () => json(raw)).fetcher)
    // groups is an array (dropped by normalization); sub and name are not taken from the raw answer.
    expect(result.profile).toEqual({ sub: 'mapped-sub', email: 'u@idp.example', email_verified: true, department: 'R&D', level: 3 })
    const t2 = tx()
    const without = await completeLogin(strict, config, t2, cb(t2), ctx, fakeProvider(undefined, () => json(raw)).fetcher)
    expect(without.profile).toEqual({ sub: 'mapped-sub', email: 'u@idp.example', email_verified: true })
  })

  it('plain http endpoints off loopback are refused before any call', async () => {
    const t = tx()
    const { fetcher, calls } = fakeProvider()
    const insecure = { ...provider, name: 'insecure', endpoints: () => ({ authorization: 'http://idp.example/a', token: 'http://idp.example/token', userinfo: 'http://idp.example/userinfo' }) }
    expect(await loginError(completeLogin(insecure, config, t, cb(t), ctx, fetcher))).toMatchObject({ code: 'login_failed' })
    expect(calls).toHaveLength(0)
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
