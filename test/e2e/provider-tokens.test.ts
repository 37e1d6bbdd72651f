/**
 * Provider tokens on the server: an OpenID login with `keepTokens` keeps the real provider's
 * (oidc-provider's) access and refresh tokens with the session; a server route calls the
 * provider's userinfo with `getProviderToken(event)`, which refreshes the short-lived access
 * token at the provider (rotating refresh tokens: a second refresh with the same one would
 * revoke the grant). Logout and reuse revocation end them; an expired provider refresh token
 * is a clear 401.
 */
import { createHash } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, loginSession, postWithCookie, redeem, send, sameOrigin } from '../support/http'
import type { TokenBody } from '../support/http'
import { appCallback, providerRoundTrip } from '../support/oidc-flow'
import { PROVIDER_ACCESS_TOKEN_TTL } from '../support/oidc-provider'
import { storedFiles } from '../support/storage'

const appUrl = inject('oidcAppUrl')
const baseUrl = inject('baseUrl')

interface OidcSession { jar: CookieJar, token: string }
interface ProviderCall { status: number, sub: string | null, tokenHash: string }

async function oidcLogin(login: string): Promise<OidcSession> {
  const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login })
  const { location } = await appCallback(callbackUrl, jar)
  const response = await redeem(appUrl, location.searchParams.get('code'), jar)
  expect(response.status).toBe(200)
  const body = await response.json() as TokenBody
  return { jar, token: body.token }
}

function callProvider(url: string, token: string | undefined, query = ''): Promise<Response> {
  return fetch(new URL(`/api/provider/userinfo${query}`, url), { headers: token ? { authorization: `Bearer ${token}` } : {} })
}

async function providerCall(token: string): Promise<ProviderCall> {
  const response = await callProvider(appUrl, token)
  expect(response.status, await response.clone().text()).toBe(200)
  return await response.json() as ProviderCall
}

/** The `error` code of a module error answered by a server route (h3 error `data`). */
async function errorCode(response: Response): Promise<string | undefined> {
  const body = await response.json() as { data?: { error?: string } }
  return body.data?.error
}

/** The hash the fixture route reports for a provider token (server/api/provider/userinfo.get.ts). */
/** Whether the session of an access token (its `sid`) still has a provider-token record in the fs storage. */
const providerRecordOf = (token: string) => storedFiles().some(file => file.path.split(/[/\\]/).join('/').endsWith(`provider/${decodeJwt(token).sid as string}`))
const hash16 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16)

/** Waits until the provider's access tokens issued now have expired. */
const afterProviderTokenExpiry = () => new Promise(resolve => setTimeout(resolve, PROVIDER_ACCESS_TOKEN_TTL * 1000 + 300))

describe('[VERIFY-3] getProviderToken: provider tokens kept with the session', () => {
  it('calls the provider\'s API with the kept token; the browser never gets it', async () => {
    const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login: 'pt-alice' })
    const { location } = await appCallback(callbackUrl, jar)
    const redeemed = await redeem(appUrl, location.searchParams.get('code'), jar)
    const text = await redeemed.text()
    const { token } = JSON.parse(text) as TokenBody
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ sub: 'pt-alice', provider: 'oidc', sid: expect.stringMatching(/^[\w-]{32}$/) })

    const first = await providerCall(token)
    expect(first).toMatchObject({ status: 200, sub: 'pt-alice' })
    // No string the browser got (token response, access-token claims, cookies) is the provider token:
    // the route reports the token's hash, so hash each of them the same way.
    const seen = [...Object.values(JSON.parse(text) as Record<string, unknown>), ...Object.values(claims), ...jar.names().map(name => jar.get(name))]
      .filter((value): value is string => typeof value === 'string')
    expect(seen.length).toBeGreaterThan(3)
    expect(seen.map(hash16)).not.toContain(first.tokenHash)
    expect(Object.keys(claims).sort()).toEqual(['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'jti', 'name', 'provider', 'sid', 'sub'].sort())
    expect(jar.names().every(name => !/provider|oidc/i.test(name))).toBe(true)
    // Fresh: the same token again, no refresh.
    expect((await providerCall(token)).tokenHash).toBe(first.tokenHash)
  })

  it('refreshes an expired provider token at the provider, once for parallel calls; the new token works there', async () => {
    const { token } = await oidcLogin('pt-bob')
    const first = await providerCall(token)
    await afterProviderTokenExpiry()
    // oidc-provider rotates refresh tokens and revokes the grant when one is used twice:
    // parallel refreshes with the same refresh token would fail here.
    const parallel = await Promise.all(Array.from({ length: 6 }, () => providerCall(token)))
    expect(new Set(parallel.map(call => call.tokenHash)).size).toBe(1)
    expect(parallel[0]!.tokenHash).not.toBe(first.tokenHash)
    expect(parallel.every(call => call.status === 200 && call.sub === 'pt-bob')).toBe(true)
    // The rotated refresh token was stored: the next refresh works too.
    await afterProviderTokenExpiry()
    const third = await providerCall(token)
    expect(third).toMatchObject({ status: 200, sub: 'pt-bob' })
    expect(third.tokenHash).not.toBe(parallel[0]!.tokenHash)
  })

  it('an expired provider refresh token: 401 provider_reauth_required, every time after; the app session lives on', async () => {
    const { jar, token } = await oidcLogin('short-rt-carol')
    expect((await providerCall(token)).status).toBe(200)
    await afterProviderTokenExpiry()
    const refused = await callProvider(appUrl, token)
    expect(refused.status).toBe(401)
    expect(await errorCode(refused)).toBe('provider_reauth_required')
    // A 401 names its scheme (RFC 9110): the app's own bearer token is fine, the provider's is gone.
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
    const again = await callProvider(appUrl, token)
    expect(again.status).toBe(401)
    expect(await errorCode(again)).toBe('provider_reauth_required')
    // Only the provider's grant ended: the app's own session still refreshes.
    expect((await postWithCookie(appUrl, '/auth/refresh', jar)).status).toBe(200)
  })

  it('logout removes them (and the session\'s access token is refused: revocation)', async () => {
    const { jar, token } = await oidcLogin('pt-dave')
    expect((await providerCall(token)).status).toBe(200)
    expect(providerRecordOf(token)).toBe(true)
    const logout = await send(new URL('/auth/logout', appUrl), { method: 'POST', headers: sameOrigin(appUrl), jar })
    expect(logout.status).toBeLessThan(300)
    const after = await callProvider(appUrl, token)
    expect(after.status).toBe(401)
    expect(providerRecordOf(token)).toBe(false)
  })

  it('refresh-token reuse revokes the session and its provider tokens', async () => {
    const { jar, token } = await oidcLogin('pt-erin')
    expect((await providerCall(token)).status).toBe(200)
    const original = jar.get(REFRESH_COOKIE)!
    // Two rotations, then the first token again: an ancestor whose successor was rotated is reuse.
    expect((await postWithCookie(appUrl, '/auth/refresh', jar)).status).toBe(200)
    expect((await postWithCookie(appUrl, '/auth/refresh', jar)).status).toBe(200)
    const replay = new CookieJar()
    replay.set(REFRESH_COOKIE, original)
    const reused = await postWithCookie(appUrl, '/auth/refresh', replay)
    expect(reused.status).toBe(401)
    expect((await reused.json() as { error: string }).error).toBe('token_reused')
    const after = await callProvider(appUrl, token)
    expect(after.status).toBe(401)
    expect(providerRecordOf(token)).toBe(false)
  })

  it('409 provider_token_unavailable for a provider that keeps no tokens or another provider; 401 without a token', async () => {
    const mock = await loginSession(baseUrl, 'alice')
    const notKept = await callProvider(baseUrl, mock.token)
    expect(notKept.status).toBe(409)
    expect(await errorCode(notKept)).toBe('provider_token_unavailable')

    const { token } = await oidcLogin('pt-frank')
    const other = await callProvider(appUrl, token, '?provider=mock')
    expect(other.status).toBe(409)
    expect(await errorCode(other)).toBe('provider_token_unavailable')

    const anonymous = await callProvider(appUrl, undefined)
    expect(anonymous.status).toBe(401)
    const forged = await callProvider(appUrl, `${token.slice(0, -4)}AAAA`)
    expect(forged.status).toBe(401)
  })

  it('the 401 for a request without a valid token carries Cache-Control: no-store (not Nitro\'s no-cache) and WWW-Authenticate: Bearer', async () => {
    for (const token of [undefined, 'not.a.jwt']) {
      const response = await callProvider(appUrl, token)
      expect(response.status).toBe(401)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
      expect(await errorCode(response)).toBe('unauthorized')
    }
  })
})
