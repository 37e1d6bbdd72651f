import { describe, expect, inject, it } from 'vitest'
import { storedRecord } from '../support/storage'
import {
  CookieJar,
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
  toProviderCallback,
} from '../support/http'

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
    // The start sent the browser to the mock's authorization endpoint with state, PKCE S256 and a nonce.
    expect(flow.authorizeUrl.pathname).toBe('/auth/mock/authorize')
    const params = flow.authorizeUrl.searchParams
    expect(params.get('response_type')).toBe('code')
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(params.get('state')).toMatch(/^[\w-]{43,}$/)
    expect(params.get('nonce')).toMatch(/^[\w-]{43,}$/)
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

  it('[LOGIN-1] the transaction cookie is HttpOnly, SameSite=Lax, Path=/auth, short-lived, and cleared on callback', async () => {
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const tx = setCookie(flow.start, flow.txCookie)!
    expect(tx.name.startsWith(TX_COOKIE_PREFIX)).toBe(true)
    expect(tx.attributes.httponly).toBe(true)
    expect(tx.attributes.secure).toBe(true)
    expect(String(tx.attributes.samesite).toLowerCase()).toBe('lax')
    expect(tx.attributes.path).toBe('/auth')
    expect(Number(tx.attributes['max-age'])).toBeGreaterThan(0)
    expect(Number(tx.attributes['max-age'])).toBeLessThanOrEqual(600)
    // Sealed: neither the state nor the PKCE verifier is readable in the cookie.
    expect(tx.value).not.toContain(flow.authorizeUrl.searchParams.get('state'))
    expect(tx.value).not.toContain('mock')

    const { response } = await callback(flow.callbackUrl, flow.jar)
    const cleared = setCookie(response, flow.txCookie)
    expect(cleared).toBeDefined()
    expect(isDeletion(cleared!)).toBe(true)
    expect(cleared!.attributes.path).toBe('/auth')
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
    expect(setCookie(response, 'nuxt-aegis-refresh')).toBeUndefined()
    expect(flow.jar.get('nuxt-aegis-refresh')).toBeUndefined()
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
    flow.jar.set(flow.txCookie, parts.join('.'), '/auth')
    expectLoginError(await landing(flow.callbackUrl, flow.jar), 'invalid_state')
  })

  it('[LOGIN-2] a transaction cookie moved to another state\'s cookie name → invalid_state', async () => {
    const first = await toProviderCallback(baseUrl, { user: 'alice' })
    const second = await toProviderCallback(baseUrl, { user: 'bob' })
    // Serve the first login's sealed transaction under the second login's cookie name.
    second.jar.set(second.txCookie, first.jar.get(first.txCookie)!, '/auth')
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
    // Finish them in the opposite order.
    const bob = await landing(second.callbackUrl, jar)
    const alice = await landing(first.callbackUrl, jar)
    expect(bob.pathname).toBe('/auth/callback')
    expect(alice.pathname).toBe('/auth/callback')
    const aliceToken = await (await redeem(baseUrl, alice.searchParams.get('code'), jar)).json()
    const bobToken = await (await redeem(baseUrl, bob.searchParams.get('code'), jar)).json()
    expect(decodeJwt(aliceToken.token).sub).toBe('mock-alice')
    expect(decodeJwt(bobToken.token).sub).toBe('mock-bob')
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
    const record = storedRecord(session.refreshToken)
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
