/**
 * Login against a real OpenID provider (panva's oidc-provider on 127.0.0.1, real client
 * authentication, real login and consent forms), through the built fixture, over HTTP.
 */
import { describe, expect, inject, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, TX_COOKIE_PREFIX, decodeJwt, locationOf, redeem, send } from '../support/http'
import { OIDC_CLIENT } from '../support/oidc-provider'
import { appCallback, providerRoundTrip } from '../support/oidc-flow'
import { startExpectingFailure, TEST_SECRET } from '../support/server'

const appUrl = inject('oidcAppUrl')
const issuer = inject('oidcIssuerUrl')

describe('[OIDC-2] login through a real OpenID provider', () => {
  it('runs the whole flow: provider login and consent → CODE → /auth/token → /api/user/me', async () => {
    const { jar, authorizeUrl, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login: 'alice', query: { redirectTo: '/members' } })
    // The provider redirected back with code, state and its issuer (RFC 9207), which the app checks.
    expect(callbackUrl.pathname).toBe('/auth/oidc')
    expect(callbackUrl.searchParams.get('iss')).toBe(issuer)
    expect(authorizeUrl.origin).toBe(issuer)

    const { location, setHandoff } = await appCallback(callbackUrl, jar)
    expect(location.pathname).toBe('/auth/callback')
    expect(setHandoff).toBe(true)
    const code = location.searchParams.get('code')!
    const token = await redeem(appUrl, code, jar)
    expect(token.status).toBe(200)
    const body = await token.json() as { token: string, redirectTo?: string }
    expect(body.redirectTo).toBe('/members')
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    const claims = decodeJwt(body.token)
    expect(claims).toMatchObject({ sub: 'alice', provider: 'oidc' })

    const me = await fetch(new URL('/api/user/me', appUrl), { headers: { authorization: `Bearer ${body.token}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ sub: 'alice', provider: 'oidc', email: 'alice@oidc.example.test', email_verified: true, name: 'OIDC alice' })
  })

  it('sends state, nonce, PKCE S256, the configured scopes and a redirect_uri built from siteUrl', async () => {
    const jar = new CookieJar()
    const start = new URL('/auth/oidc', appUrl)
    // A forged Host header must not change redirect_uri in production.
    const response = await send(start, { jar, headers: { 'x-forwarded-host': 'evil.example' } })
    expect(response.status).toBe(302)
    const authorize = locationOf(response, start)
    expect(authorize.origin).toBe(issuer)
    const params = authorize.searchParams
    expect(params.get('redirect_uri')).toBe(`${appUrl}/auth/oidc`)
    expect(params.get('client_id')).toBe(OIDC_CLIENT.clientId)
    expect(params.get('response_type')).toBe('code')
    expect(params.get('scope')).toBe('openid profile email')
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(params.get('state')).toMatch(/^[\w-]{43}$/)
    expect(params.get('nonce')).toMatch(/^[\w-]{43}$/)
    expect(jar.names().some(name => name.startsWith(TX_COOKIE_PREFIX))).toBe(true)
  })

  it('two logins in parallel (two tabs of one browser) both complete', async () => {
    const jar = new CookieJar()
    const [first, second] = await Promise.all([
      providerRoundTrip(appUrl, 'oidc', { login: 'tab1', jar }),
      providerRoundTrip(appUrl, 'oidc', { login: 'tab2', jar }),
    ])
    const results = [await appCallback(second!.callbackUrl, jar), await appCallback(first!.callbackUrl, jar)]
    expect(results.map(result => result.location.pathname)).toEqual(['/auth/callback', '/auth/callback'])
  })

  it('the user cancelling at the provider ends on access_denied with no CODE', async () => {
    const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { cancel: true })
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied')
    expect(callbackUrl.searchParams.get('code')).toBeNull()
    const { location, setHandoff } = await appCallback(callbackUrl, jar)
    expect(location.pathname).toBe('/auth/error')
    expect(location.searchParams.get('error')).toBe('access_denied')
    // error_description is never reflected.
    expect(location.search).not.toContain('description')
    expect(setHandoff).toBe(false)
  })

  it('a wrong RFC 9207 iss on the callback is refused: invalid_state, no CODE', async () => {
    const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login: 'mallory' })
    callbackUrl.searchParams.set('iss', 'https://attacker.example')
    const { location, setHandoff } = await appCallback(callbackUrl, jar)
    expect(location.pathname).toBe('/auth/error')
    expect(location.searchParams.get('error')).toBe('invalid_state')
    expect(setHandoff).toBe(false)
  })

  it('the callback of one provider cannot be replayed on another provider\'s route (mix-up)', async () => {
    const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login: 'mixup' })
    const elsewhere = new URL(`/auth/testidp${callbackUrl.search}`, appUrl)
    const { location, setHandoff } = await appCallback(elsewhere, jar)
    expect(location.searchParams.get('error')).toBe('invalid_state')
    expect(setHandoff).toBe(false)
  })
})

describe('[OIDC-3] redirect_uri needs siteUrl in production; issuers need https', () => {
  it('a real provider on a server without siteUrl refuses to start a login (no transaction, no redirect to the provider)', async () => {
    const jar = new CookieJar()
    const start = new URL('/auth/oidc', inject('baseUrl'))
    const response = await send(start, { jar })
    expect(response.status).toBe(302)
    const location = locationOf(response, start)
    expect(location.pathname).toBe('/auth/error')
    expect(location.searchParams.get('error')).toBe('login_failed')
    expect(jar.names().some(name => name.startsWith(TX_COOKIE_PREFIX))).toBe(false)
  })

  it('an http:// issuer off loopback stops start-up, naming the env var', async () => {
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_OIDC_ISSUER: 'http://idp.example.com/' })
    expect(code).not.toBe(0)
    expect(output).toContain('NUXT_AEGIS_PROVIDERS_OIDC_ISSUER')
    expect(output).toContain('https')
  })
})
