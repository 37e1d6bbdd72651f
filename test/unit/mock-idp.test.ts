import { describe, expect, it } from 'vitest'
import { pkceChallenge, randomToken } from '../../src/runtime/server/core/crypto'
import { DEFAULT_MOCK_USERS, MOCK_ERRORS, createMockIdp } from '../../src/runtime/server/oauth/mock/mock-idp'
import type { MockIdpConfig } from '../../src/runtime/server/oauth/mock/mock-idp'

const REDIRECT = 'https://app.example/auth/mock'

function setup(overrides: Partial<MockIdpConfig> = {}) {
  const config: MockIdpConfig = { clientId: 'mock-client', mockUsers: DEFAULT_MOCK_USERS, ...overrides }
  const idp = createMockIdp(() => config)
  const verifier = randomToken(32)
  const state = randomToken(32)
  const params = (extra: Record<string, string | undefined> = {}) => ({
    client_id: 'mock-client',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email',
    state,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  })
  const authorize = (extra: Record<string, string | undefined> = {}) => idp.authorize(params(extra), REDIRECT)
  const codeOf = (extra: Record<string, string | undefined> = {}) => {
    const result = authorize(extra)
    if (result.type !== 'redirect') throw new Error('expected a redirect')
    return new URL(result.location).searchParams.get('code')!
  }
  const form = (code: string, extra: Record<string, string | undefined> = {}) => ({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'mock-client',
    code_verifier: verifier,
    ...extra,
  })
  return { idp, config, verifier, state, authorize, codeOf, form }
}

function redirectParams(result: ReturnType<ReturnType<typeof createMockIdp>['authorize']>) {
  expect(result.type).toBe('redirect')
  if (result.type !== 'redirect') throw new Error('unreachable')
  const url = new URL(result.location)
  expect(url.origin + url.pathname).toBe(REDIRECT)
  return url.searchParams
}

describe('[MOCK-1] mock identity provider: happy path', () => {
  it('authorize → token → userinfo with PKCE S256', () => {
    const { idp, state, authorize, form } = setup()
    const back = redirectParams(authorize({ user: 'bob' }))
    expect(back.get('state')).toBe(state)
    expect(back.get('error')).toBeNull()
    const code = back.get('code')!
    expect(code).toMatch(/^[\w-]{43}$/)
    const token = idp.token(form(code))
    expect(token.status).toBe(200)
    if (token.status !== 200) throw new Error('unreachable')
    expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid email' })
    expect(idp.userinfo(token.body.access_token)).toEqual({ ...DEFAULT_MOCK_USERS.bob, sub: 'mock-bob' })
  })

  it('uses defaultUser, else the first persona, and gives personas without sub a stable one', () => {
    const first = setup({ mockUsers: { carol: { name: 'Carol' }, dave: { name: 'Dave', sub: 'd-1' } } })
    const t1 = first.idp.token(first.form(first.codeOf()))
    expect(t1.status === 200 && first.idp.userinfo(t1.body.access_token)).toEqual({ name: 'Carol', sub: 'mock-carol' })
    const chosen = setup({ mockUsers: { carol: { name: 'Carol' }, dave: { name: 'Dave', sub: 'd-1' } }, defaultUser: 'dave' })
    const t2 = chosen.idp.token(chosen.form(chosen.codeOf()))
    expect(t2.status === 200 && chosen.idp.userinfo(t2.body.access_token)).toEqual({ name: 'Dave', sub: 'd-1' })
  })

  it('accepts client credentials by HTTP Basic and checks a configured client_secret', () => {
    const { idp, codeOf, form } = setup({ clientSecret: 'mock-secret' })
    expect(idp.token(form(codeOf(), { client_id: undefined }), { id: 'mock-client', secret: 'mock-secret' }).status).toBe(200)
    expect(idp.token(form(codeOf(), { client_secret: 'mock-secret' })).status).toBe(200)
  })
})

describe('[MOCK-1] mock authorize refuses like a real provider', () => {
  it('a wrong client_id is an error page, never a redirect', () => {
    const { authorize } = setup()
    expect(authorize({ client_id: 'other' })).toEqual({ type: 'error', status: 400, error: 'unauthorized_client' })
    expect(authorize({ client_id: undefined })).toMatchObject({ type: 'error' })
  })

  it.each(['https://evil.example/cb', `${REDIRECT}/x`, `${REDIRECT}?x=1`, 'https://app.example/auth/github', undefined])('a wrong redirect_uri (%j) is an error page, never a redirect', (redirectUri) => {
    const { authorize } = setup()
    expect(authorize({ redirect_uri: redirectUri })).toEqual({ type: 'error', status: 400, error: 'invalid_redirect_uri' })
  })

  it('mock_error=access_denied redirects with the error and the state, without a code', () => {
    const { authorize, state } = setup()
    const back = redirectParams(authorize({ mock_error: 'access_denied' }))
    expect(back.get('error')).toBe('access_denied')
    expect(back.get('state')).toBe(state)
    expect(back.get('code')).toBeNull()
  })

  it.each([...MOCK_ERRORS])('mock_error=%s is passed through', (error) => {
    expect(redirectParams(setup().authorize({ mock_error: error })).get('error')).toBe(error)
  })

  it.each(['made_up', '<script>', 'access_denied&code=x'])('an unknown mock_error %j becomes server_error', (error) => {
    const back = redirectParams(setup().authorize({ mock_error: error }))
    expect(back.get('error')).toBe('server_error')
    expect(back.get('code')).toBeNull()
  })

  it.each([
    ['no challenge', { code_challenge: undefined }],
    ['plain method', { code_challenge_method: 'plain' }],
    ['no method', { code_challenge_method: undefined }],
    ['empty challenge', { code_challenge: '' }],
  ])('PKCE without S256 (%s) → invalid_request redirect', (_label, extra) => {
    const back = redirectParams(setup().authorize(extra))
    expect(back.get('error')).toBe('invalid_request')
    expect(back.get('code')).toBeNull()
  })

  it('response_type other than code → unsupported_response_type', () => {
    expect(redirectParams(setup().authorize({ response_type: 'token' })).get('error')).toBe('unsupported_response_type')
  })

  it.each(['mallory', '__proto__', 'toString', 'constructor'])('an unknown persona %j → access_denied', (user) => {
    const back = redirectParams(setup().authorize({ user }))
    expect(back.get('error')).toBe('access_denied')
    expect(back.get('code')).toBeNull()
  })

  it('an unknown defaultUser → access_denied', () => {
    expect(redirectParams(setup({ defaultUser: 'ghost' }).authorize()).get('error')).toBe('access_denied')
  })
})

describe('[MOCK-1] mock token endpoint', () => {
  it('a wrong code_verifier → invalid_grant, and the code is burnt', () => {
    const { idp, codeOf, form } = setup()
    const code = codeOf()
    expect(idp.token(form(code, { code_verifier: randomToken(32) }))).toEqual({ status: 400, body: { error: 'invalid_grant' } })
    expect(idp.token(form(code))).toEqual({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('a missing code_verifier → invalid_grant', () => {
    const { idp, codeOf, form } = setup()
    expect(idp.token(form(codeOf(), { code_verifier: undefined }))).toEqual({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('the challenge itself is not accepted as verifier', () => {
    const { idp, codeOf, form, verifier } = setup()
    expect(idp.token(form(codeOf(), { code_verifier: pkceChallenge(verifier) })).status).toBe(400)
  })

  it('a code is single use', () => {
    const { idp, codeOf, form } = setup()
    const code = codeOf()
    expect(idp.token(form(code)).status).toBe(200)
    expect(idp.token(form(code))).toEqual({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('a mismatched redirect_uri → invalid_grant', () => {
    const { idp, codeOf, form } = setup()
    expect(idp.token(form(codeOf(), { redirect_uri: 'https://evil.example/cb' }))).toEqual({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('an unknown or missing code → invalid_grant', () => {
    const { idp, form } = setup()
    expect(idp.token(form(randomToken(32))).status).toBe(400)
    expect(idp.token(form('', {})).status).toBe(400)
  })

  it('a wrong client_id → invalid_client', () => {
    const { idp, codeOf, form } = setup()
    expect(idp.token(form(codeOf(), { client_id: 'other' }))).toEqual({ status: 401, body: { error: 'invalid_client' } })
  })

  it('a wrong or missing client_secret when one is configured → invalid_client', () => {
    const { idp, codeOf, form } = setup({ clientSecret: 'mock-secret' })
    expect(idp.token(form(codeOf(), { client_secret: 'wrong' }))).toEqual({ status: 401, body: { error: 'invalid_client' } })
    expect(idp.token(form(codeOf()))).toEqual({ status: 401, body: { error: 'invalid_client' } })
    expect(idp.token(form(codeOf()), { id: 'mock-client', secret: 'wrong' })).toEqual({ status: 401, body: { error: 'invalid_client' } })
  })

  it('another grant_type → unsupported_grant_type', () => {
    const { idp, codeOf, form } = setup()
    expect(idp.token(form(codeOf(), { grant_type: 'password' }))).toEqual({ status: 400, body: { error: 'unsupported_grant_type' } })
  })
})

describe('[MOCK-1] mock userinfo', () => {
  it('returns undefined for a missing or unknown token', () => {
    const { idp } = setup()
    expect(idp.userinfo(undefined)).toBeUndefined()
    expect(idp.userinfo('')).toBeUndefined()
    expect(idp.userinfo(randomToken(32))).toBeUndefined()
  })

  it('the authorization code is not an access token', () => {
    const { idp, codeOf } = setup()
    expect(idp.userinfo(codeOf())).toBeUndefined()
  })

  it('returns undefined when the persona was removed from the config', () => {
    const { idp, config, codeOf, form } = setup({ mockUsers: { carol: { name: 'Carol' } } })
    const token = idp.token(form(codeOf()))
    config.mockUsers = {}
    expect(token.status === 200 && idp.userinfo(token.body.access_token)).toBeUndefined()
  })
})
