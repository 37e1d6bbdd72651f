/**
 * completeLogin against a provider on the wire: oauth4webapi builds and checks every request
 * and answer; a fake fetch plays the provider and records the calls.
 */
import { describe, expect, it } from 'vitest'
import { AegisError } from '../../src/runtime/server/core/errors'
import { completeLogin, refreshGrant } from '../../src/runtime/server/oauth/engine'
import { ProviderHttpError } from '../../src/runtime/server/oauth/fetch'
import type { Fetcher } from '../../src/runtime/server/oauth/fetch'
import { createTransaction } from '../../src/runtime/server/oauth/transaction'
import type { Transaction } from '../../src/runtime/server/oauth/transaction'
import type { EngineContext, OAuthProviderDefinition, ProviderConfig } from '../../src/runtime/server/oauth/types'

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
  profile: ({ userinfo = {} }) => ({ ...userinfo, sub: userinfo.sub as string }),
}

const config: ProviderConfig = { clientId: 'client-1', clientSecret: 'client-secret-1' }

function tx(): Transaction {
  return createTransaction('acme', '/after', 1_700_000_000_000)
}

async function loginError(promise: Promise<unknown>): Promise<AegisError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisError)
  return error as AegisError
}

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

describe('[VERIFY-3] refreshGrant (provider tokens kept with the session)', () => {
  it('sends grant_type=refresh_token with the client credentials and returns the new tokens', async () => {
    const { fetcher, calls } = fakeProvider(() => json({ access_token: 'at-2', refresh_token: 'rt-2', token_type: 'Bearer', expires_in: 60 }))
    const tokens = await refreshGrant(provider, config, 'rt-1', ctx, fetcher)
    expect(tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 60 })
    expect(calls).toHaveLength(1)
    const form = new URLSearchParams(calls[0]!.body)
    expect(calls[0]!.url).toBe('https://idp.example/token')
    expect(form.get('grant_type')).toBe('refresh_token')
    expect(form.get('refresh_token')).toBe('rt-1')
    expect(form.get('client_id')).toBe('client-1')
    expect(form.get('client_secret')).toBe('client-secret-1')
  })

  it('invalid_grant (expired, revoked or already rotated refresh token) is 401 provider_reauth_required', async () => {
    const { fetcher } = fakeProvider(() => json({ error: 'invalid_grant', error_description: 'grant request is invalid' }, 400))
    const error = await loginError(refreshGrant(provider, config, 'rt-old', ctx, fetcher))
    expect(error.statusCode).toBe(401)
    expect(error.code).toBe('provider_reauth_required')
    expect(error.detail).not.toContain('rt-old')
  })

  it('a 5xx or unreachable provider is 502 provider_unavailable; another error response 502 provider_error', async () => {
    const down = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => json({}, 503)).fetcher))
    expect([down.statusCode, down.code]).toEqual([502, 'provider_unavailable'])
    // What the bounded fetch throws when the provider cannot be reached or times out.
    const offline = await loginError(refreshGrant(provider, config, 'rt-1', ctx, async () => {
      throw new ProviderHttpError('network')
    }))
    expect([offline.statusCode, offline.code]).toEqual([502, 'provider_unavailable'])
    const garbled = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => new Response('<html>', { status: 200 })).fetcher))
    expect([garbled.statusCode, garbled.code]).toEqual([502, 'provider_unavailable'])
    const client = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => json({ error: 'invalid_client' }, 400)).fetcher))
    expect([client.statusCode, client.code]).toEqual([502, 'provider_error'])
    const noToken = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => json({ token_type: 'Bearer' })).fetcher))
    expect([noToken.statusCode, noToken.code]).toEqual([502, 'provider_error'])
  })

  it('GitHub refuses a bad refresh token with HTTP 200 and an error member: 401 provider_reauth_required; other 200 errors 502', async () => {
    const refused = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => json({ error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' })).fetcher))
    expect([refused.statusCode, refused.code]).toEqual([401, 'provider_reauth_required'])
    const misconfigured = await loginError(refreshGrant(provider, config, 'rt-1', ctx, fakeProvider(() => json({ error: 'incorrect_client_credentials' })).fetcher))
    expect([misconfigured.statusCode, misconfigured.code]).toEqual([502, 'provider_error'])
  })

  it('a success is never thrown away over a detail: no token_type, an id_token that would fail checks (the refresh token may be rotated already)', async () => {
    const idToken = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzb21lYm9keS1lbHNlIn0.'
    const { fetcher } = fakeProvider(() => json({ access_token: 'at-2', refresh_token: 'rt-2', id_token: idToken, expires_in: '3599' }))
    const tokens = await refreshGrant(provider, config, 'rt-1', ctx, fetcher)
    expect(tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2' })
  })
})
