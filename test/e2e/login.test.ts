import { describe, expect, inject, it } from 'vitest'
import { storedFamily } from '../support/storage'
import {
  CookieJar,
  HANDOFF_COOKIE_PREFIX,
  LEGACY_REFRESH_COOKIE,
  REFRESH_COOKIE,
  TX_COOKIE_PREFIX,
  callback,
  decodeJwt,
  hookCalls,
  isDeletion,
  login,
  loginSession,
  redeem,
  send,
  setCookie,
  setCookies,
  toProviderCallback,
} from '../support/http'
import type { ProviderCallback } from '../support/http'

const baseUrl = inject('baseUrl')

/** Where a provider callback sends the browser, as `/path?query` for readable assertions. */
async function landing(url: URL | string, jar: CookieJar): Promise<URL> {
  return (await callback(url, jar)).location
}

function expectLoginError(location: URL, code: string) {
  expect(location.origin).toBe(new URL(baseUrl).origin)
  expect(location.pathname).toBe('/auth/error')
  expect([...location.searchParams.keys()]).toEqual(['error'])
  expect(location.searchParams.get('error')).toBe(code)
}

describe('mock login through real HTTP', () => {
  it('[MOCK-1] [LOGIN-1] walks start → mock authorize → provider callback → /auth/callback?code=<43 chars>', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    // The start sent the browser to the mock's authorization endpoint with state and PKCE S256.
    expect(flow.authorizeUrl.pathname).toBe('/auth/mock/authorize')
    const params = flow.authorizeUrl.searchParams
    expect(params.get('response_type')).toBe('code')
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(params.get('state')).toMatch(/^[\w-]{43,}$/)
    // The mock is plain OAuth 2 (it issues no ID token): a nonce goes to OpenID providers only.
    expect(params.get('nonce')).toBeNull()
    expect(params.get('redirect_uri')).toBe(`${new URL(baseUrl).origin}/auth/mock`)
    expect(flow.start.headers.get('cache-control')).toBe('no-store')
    // The provider came back to our mock route with its code and our state.
    expect(flow.callbackUrl.pathname).toBe('/auth/mock')
    expect(flow.callbackUrl.searchParams.get('state')).toBe(params.get('state'))
    expect(flow.callbackUrl.searchParams.get('code')).toBeTruthy()

    const { response, location } = await callback(flow.callbackUrl, flow.jar)
    expect(location.origin).toBe(new URL(baseUrl).origin)
    expect(location.pathname).toBe('/auth/callback')
    expect([...location.searchParams.keys()]).toEqual(['code'])
    expect(location.searchParams.get('code')).toMatch(/^[\w-]{43}$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('[LOGIN-1] the transaction cookie is HttpOnly, SameSite=Lax, Path=/auth/mock (the provider route only), short-lived, and cleared on callback', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const tx = setCookie(flow.start, flow.txCookie)!
    expect(tx.name.startsWith(TX_COOKIE_PREFIX)).toBe(true)
    expect(tx.attributes.httponly).toBe(true)
    expect(tx.attributes.secure).toBe(true)
    expect(String(tx.attributes.samesite).toLowerCase()).toBe('lax')
    expect(tx.attributes.path).toBe('/auth/mock')
    expect(Number(tx.attributes['max-age'])).toBeGreaterThan(0)
    expect(Number(tx.attributes['max-age'])).toBeLessThanOrEqual(600)
    // Sealed: neither the state nor the PKCE verifier is readable in the cookie.
    expect(tx.value).not.toContain(flow.authorizeUrl.searchParams.get('state'))
    expect(tx.value).not.toContain('mock')

    const { response } = await callback(flow.callbackUrl, flow.jar)
    const cleared = setCookie(response, flow.txCookie)
    expect(cleared).toBeDefined()
    expect(isDeletion(cleared!)).toBe(true)
    // Same Path as when set, or a browser would keep the cookie.
    expect(cleared!.attributes.path).toBe('/auth/mock')
    expect(flow.jar.get(flow.txCookie)).toBeUndefined()
  })

  it('[MOCK-2] ?user=bob logs in as bob, ?user=alice as alice, no ?user as the defaultUser', async () => {
    const bob = await loginSession(baseUrl, 'bob')
    expect(decodeJwt(bob.token)).toMatchObject({ sub: 'mock-bob', email: 'bob@example.com', email_verified: false, role: 'user' })
    const alice = await loginSession(baseUrl, 'alice')
    expect(decodeJwt(alice.token)).toMatchObject({ sub: 'mock-alice', email: 'alice@example.com', email_verified: true, role: 'admin' })
    const byDefault = await loginSession(baseUrl)
    expect(decodeJwt(byDefault.token).sub).toBe('mock-alice')
  })

  it('[MOCK-2] an unknown persona ends on /auth/error?error=access_denied with no CODE', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'mallory' })
    expect(flow.callbackUrl.searchParams.get('error')).toBe('access_denied')
    expect(flow.callbackUrl.searchParams.get('code')).toBeNull()
    expectLoginError(await landing(flow.callbackUrl, flow.jar), 'access_denied')
  })

  it('[MOCK-3] [LOGIN-4] mock_error=access_denied ends on /auth/error?error=access_denied, calls onError and issues no CODE', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice', mock_error: 'access_denied' })
    const { response, location } = await callback(flow.callbackUrl, flow.jar)
    expectLoginError(location, 'access_denied')
    expect(response.headers.get('location')).not.toContain('code=')
    const last = (await hookCalls(baseUrl)).at(-1)
    expect(last).toEqual({ name: 'onError', data: { code: 'access_denied' } })
  })

  it('[MOCK-3] [LOGIN-4] mock_error=server_error maps to provider_error; error_description is never reflected', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice', mock_error: 'server_error' })
    expectLoginError(await landing(flow.callbackUrl, flow.jar), 'provider_error')

    // A provider error with a description and our valid state: the description goes nowhere.
    const second = await toProviderCallback(baseUrl, { user: 'alice', mock_error: 'temporarily_unavailable' })
    const url = new URL(second.callbackUrl)
    url.searchParams.set('error_description', '<script>alert(1)</script>')
    const { response, location } = await callback(url, second.jar)
    expectLoginError(location, 'provider_error')
    expect(await response.text()).not.toContain('alert(1)')
  })

  it('[MOCK-3] a provider error creates nothing: the error callback issues no CODE and no refresh cookie', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice', mock_error: 'access_denied' })
    const { response } = await callback(flow.callbackUrl, flow.jar)
    for (const name of [REFRESH_COOKIE, LEGACY_REFRESH_COOKIE]) {
      expect(setCookie(response, name)).toBeUndefined()
      expect(flow.jar.get(name)).toBeUndefined()
    }
    expect(setCookies(response).some(cookie => cookie.name.startsWith(HANDOFF_COOKIE_PREFIX))).toBe(false)
  })
})

describe('provider callback rejects anything but its own single-use transaction', () => {
  it('[LOGIN-2] a tampered state → invalid_state, before the provider code is used (the real callback still works)', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const tampered = new URL(flow.callbackUrl)
    const state = tampered.searchParams.get('state')!
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`)
    expectLoginError(await landing(tampered, flow.jar), 'invalid_state')
    // The mock's code is single use: had the engine redeemed it, the real callback would fail now.
    expect((await landing(flow.callbackUrl, flow.jar)).pathname).toBe('/auth/callback')
  })

  it('[LOGIN-2] a tampered transaction cookie → invalid_state', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const sealed = flow.jar.get(flow.txCookie)!
    const parts = sealed.split('.')
    const data = parts[2]!
    parts[2] = `${data[0] === 'A' ? 'B' : 'A'}${data.slice(1)}`
    flow.jar.set(flow.txCookie, parts.join('.'), '/auth/mock')
    expectLoginError(await landing(flow.callbackUrl, flow.jar), 'invalid_state')
  })

  it('[LOGIN-2] a transaction cookie moved to another state\'s cookie name → invalid_state', async () => {
    const first = await toProviderCallback(baseUrl, { user: 'alice' })
    const second = await toProviderCallback(baseUrl, { user: 'bob' })
    // Serve the first login's sealed transaction under the second login's cookie name.
    second.jar.set(second.txCookie, first.jar.get(first.txCookie)!, '/auth/mock')
    expectLoginError(await landing(second.callbackUrl, second.jar), 'invalid_state')
  })

  it('[LOGIN-2] a missing state → invalid_state', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const url = new URL(flow.callbackUrl)
    url.searchParams.delete('state')
    expectLoginError(await landing(url, flow.jar), 'invalid_state')
    expect((await landing(flow.callbackUrl, flow.jar)).pathname).toBe('/auth/callback')
  })

  it('[LOGIN-2] no transaction cookie (another browser) → invalid_state, and the code stays unused', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    expectLoginError(await landing(flow.callbackUrl, new CookieJar()), 'invalid_state')
    expect((await landing(flow.callbackUrl, flow.jar)).pathname).toBe('/auth/callback')
  })

  it('[LOGIN-2] a replayed callback URL → invalid_state, even when the transaction cookie is sent again', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const saved = flow.jar.clone()
    expect((await landing(flow.callbackUrl, flow.jar)).pathname).toBe('/auth/callback')
    // The browser dropped the cookie: no transaction.
    expectLoginError(await landing(flow.callbackUrl, flow.jar), 'invalid_state')
    // An attacker who kept the cookie: the transaction is single use.
    expectLoginError(await landing(flow.callbackUrl, saved), 'invalid_state')
  })

  it('[LOGIN-2] duplicate state, code or iss parameters → invalid_state', async () => {
    for (const param of ['state', 'code', 'iss']) {
      const flow = await toProviderCallback(baseUrl, { user: 'alice' })
      const url = new URL(flow.callbackUrl)
      const value = url.searchParams.get(param) ?? 'x'
      if (param === 'iss') url.searchParams.append('iss', 'https://a.example')
      url.searchParams.append(param, param === 'iss' ? 'https://b.example' : value)
      expectLoginError(await landing(url, flow.jar), 'invalid_state')
    }
  })

  it('[LOGIN-1] two logins started in parallel (two tabs, two transaction cookies) both complete', async () => {
    const jar = new CookieJar()
    const first = await toProviderCallback(baseUrl, { user: 'alice' }, jar)
    const second = await toProviderCallback(baseUrl, { user: 'bob' }, jar)
    expect(first.txCookie).not.toBe(second.txCookie)
    expect(jar.get(first.txCookie)).toBeDefined()
    expect(jar.get(second.txCookie)).toBeDefined()
    // Finish them in the opposite order, each callback page redeeming its CODE as it loads.
    const bob = await landing(second.callbackUrl, jar)
    expect(bob.pathname).toBe('/auth/callback')
    const bobToken = await (await redeem(baseUrl, bob.searchParams.get('code'), jar)).json()
    // The first login's transaction cookie survived the second login and its callback.
    expect(jar.get(first.txCookie)).toBeDefined()
    const alice = await landing(first.callbackUrl, jar)
    expect(alice.pathname).toBe('/auth/callback')
    const aliceToken = await (await redeem(baseUrl, alice.searchParams.get('code'), jar)).json()
    expect(decodeJwt(aliceToken.token).sub).toBe('mock-alice')
    expect(decodeJwt(bobToken.token).sub).toBe('mock-bob')
  })

  it('[LOGIN-1] [CODE-6] two tabs back from the provider before either callback page redeems: both CODEs work (one handoff cookie each)', async () => {
    const jar = new CookieJar()
    const first = await toProviderCallback(baseUrl, { user: 'alice' }, jar)
    const second = await toProviderCallback(baseUrl, { user: 'bob' }, jar)
    const alice = await landing(first.callbackUrl, jar)
    const bob = await landing(second.callbackUrl, jar)
    const aliceResponse = await redeem(baseUrl, alice.searchParams.get('code'), jar)
    const bobResponse = await redeem(baseUrl, bob.searchParams.get('code'), jar)
    expect(aliceResponse.status).toBe(200)
    expect(bobResponse.status).toBe(200)
    expect(decodeJwt((await aliceResponse.json()).token).sub).toBe('mock-alice')
    expect(decodeJwt((await bobResponse.json()).token).sub).toBe('mock-bob')
  })

  it('[LOGIN-1] at most 3 pending logins: starting more deletes the oldest transaction cookies, and the newest still completes', async () => {
    const jar = new CookieJar()
    const flows: ProviderCallback[] = []
    for (let index = 0; index < 5; index++) {
      flows.push(await toProviderCallback(baseUrl, { user: index % 2 ? 'bob' : 'alice' }, jar))
      expect(jar.names().filter(name => name.startsWith(TX_COOKIE_PREFIX)).length).toBeLessThanOrEqual(3)
    }
    const [oldest, second, third, fourth, newest] = flows as [ProviderCallback, ProviderCallback, ProviderCallback, ProviderCallback, ProviderCallback]
    // The 4th start deleted the 1st cookie, with the Path it was set with (or a browser would keep it).
    const deleted = setCookie(fourth.start, oldest.txCookie)
    expect(deleted).toBeDefined()
    expect(isDeletion(deleted!)).toBe(true)
    expect(deleted!.attributes.path).toBe('/auth/mock')
    expect(isDeletion(setCookie(newest.start, second.txCookie)!)).toBe(true)
    expect(jar.names().filter(name => name.startsWith(TX_COOKIE_PREFIX))).toEqual([third.txCookie, fourth.txCookie, newest.txCookie])
    // The newest completes, and so does the oldest one still pending; the evicted ones cannot.
    const last = await landing(newest.callbackUrl, jar)
    expect(last.pathname).toBe('/auth/callback')
    const body = await (await redeem(baseUrl, last.searchParams.get('code'), jar)).json()
    expect(decodeJwt(body.token).sub).toBe('mock-alice')
    expect((await landing(third.callbackUrl, jar)).pathname).toBe('/auth/callback')
    expectLoginError(await landing(oldest.callbackUrl, jar), 'invalid_state')
  })
})

describe('redirectTo', () => {
  it('[LOGIN-6] redirectTo=/members is kept in the transaction and returned by /auth/token', async () => {
    const { jar, code, location } = await login(baseUrl, 'alice', { redirectTo: '/members?tab=1' })
    // Carried in the transaction and CODE, not in the callback URL.
    expect(location.searchParams.get('redirectTo')).toBeNull()
    const body = await (await redeem(baseUrl, code, jar)).json()
    expect(body.redirectTo).toBe('/members?tab=1')
  })

  it('[LOGIN-6] a redirectTo added to the provider callback URL is ignored', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const url = new URL(flow.callbackUrl)
    url.searchParams.set('redirectTo', '/members')
    const location = await landing(url, flow.jar)
    const body = await (await redeem(baseUrl, location.searchParams.get('code'), flow.jar)).json()
    expect(body.token).toBeTruthy()
    expect(body).not.toHaveProperty('redirectTo')
  })

  it('[LOGIN-6] a redirectTo longer than 1024 characters after normalization is dropped; 1024 is kept', async () => {
    const redirectFor = async (redirectTo: string) => {
      const { jar, code } = await login(baseUrl, 'alice', { redirectTo })
      const response = await redeem(baseUrl, code, jar)
      expect(response.status).toBe(200)
      return (await response.json()).redirectTo as string | undefined
    }
    const prefix = '/members?q='
    const atLimit = `${prefix}${'a'.repeat(1024 - prefix.length)}`
    expect(await redirectFor(atLimit)).toBe(atLimit)
    expect(await redirectFor(`${atLimit}a`)).toBeUndefined()
    // Short as sent, long once percent-encoded: 9 + 150 × 6 = 909 characters is kept, 9 + 200 × 6 = 1209 is not.
    expect(await redirectFor(`/members/${'é'.repeat(150)}`)).toBe(`/members/${'%C3%A9'.repeat(150)}`)
    expect(await redirectFor(`/members/${'é'.repeat(200)}`)).toBeUndefined()
  })

  for (const unsafe of ['//evil.com', 'https://evil.com', '/\\evil.com', '/%2F%2Fevil.com', 'javascript:alert(1)', '/x@evil.com']) {
    it(`[LOGIN-6] redirectTo=${unsafe} is dropped`, async () => {
      const { jar, code } = await login(baseUrl, 'alice', { redirectTo: unsafe })
      const response = await redeem(baseUrl, code, jar)
      expect(response.status).toBe(200)
      const body = await response.json()
      expect(body.token).toBeTruthy()
      expect(body).not.toHaveProperty('redirectTo')
    })
  }
})

describe('route file, callbacks and hooks', () => {
  it('[LOGIN-7] [LOGIN-8] onUserInfo, nuxt-aegis:userInfo, nuxt-aegis:success and onSuccess run in order; the token carries their changes', async () => {
    const { jar, code } = await login(baseUrl, 'bob')
    const calls = (await hookCalls(baseUrl)).slice(-4)
    expect(calls).toEqual([
      { name: 'onUserInfo', data: { sub: 'mock-bob' } },
      { name: 'nuxt-aegis:userInfo', data: { sub: 'mock-bob', provider: 'mock' } },
      { name: 'nuxt-aegis:success', data: { sub: 'mock-bob', provider: 'mock', hasTokens: true } },
      { name: 'onSuccess', data: { sub: 'mock-bob', provider: 'mock' } },
    ])
    const response = await redeem(baseUrl, code, jar)
    const claims = decodeJwt((await response.json()).token)
    // onUserInfo's change reached the token; the route's customClaims ran (role).
    expect(claims.name).toBe('Bob Fixture (via onUserInfo)')
    expect(claims.role).toBe('user')
    expect(claims.provider).toBe('mock')
  })

  it('[LOGIN-8] the user returned by nuxt-aegis:userInfo is the one stored with the session', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const record = storedFamily(session.refreshToken)
    expect(record, 'session record').toBeDefined()
    expect(record!.user).toMatchObject({ sub: 'mock-alice', provider: 'mock', hookSeen: true, name: 'Alice Fixture (via onUserInfo)' })
  })

  it('[LOGIN-3] the login start never forwards protected parameters (redirect_uri, client_id, response_type, code_challenge)', async () => {
    const start = await send(new URL('/auth/mock?user=alice&redirect_uri=https://evil.example/cb&client_id=other&response_type=token&code_challenge=abc', baseUrl))
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get('location')!)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${new URL(baseUrl).origin}/auth/mock`)
    expect(authorize.searchParams.get('client_id')).toBe('nuxt-aegis-mock')
    expect(authorize.searchParams.get('response_type')).toBe('code')
    expect(authorize.searchParams.getAll('code_challenge')).toHaveLength(1)
    expect(authorize.searchParams.get('code_challenge')).not.toBe('abc')
  })
})
