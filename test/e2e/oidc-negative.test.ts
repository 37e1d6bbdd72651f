/**
 * Negative tests of the login engine against the controllable test issuer (a custom provider
 * `testidp` of the fixture, declared with defineOAuthProvider). Every bad answer must end on
 * the error page with a fixed code and no CODE; state/transaction failures must not even
 * reach the provider's token endpoint.
 */
import { afterEach, describe, expect, inject, it } from 'vitest'
import { CookieJar, TX_COOKIE_PREFIX, decodeJwt, hookCalls, postWithCookie, redeem, send } from '../support/http'
import { appCallback } from '../support/oidc-flow'
import type { IssuerMode } from '../support/test-issuer'
import { issuerCounters, setIssuerMode } from '../support/test-issuer'

const appUrl = inject('oidcAppUrl')
const issuerUrl = inject('testIssuerUrl')

/** Login start and the issuer's authorization endpoint, up to the callback into the app. */
async function toCallback(jar = new CookieJar(), provider = 'testidp') {
  const start = new URL(`/auth/${provider}`, appUrl)
  const started = await send(start, { jar })
  expect(started.status).toBe(302)
  const authorize = new URL(started.headers.get('location')!)
  expect(authorize.origin).toBe(issuerUrl)
  const answered = await send(authorize)
  expect(answered.status).toBe(302)
  return { jar, callbackUrl: new URL(answered.headers.get('location')!) }
}

/** A whole login with the issuer in `mode`; returns where it ended and what the issuer saw. */
async function loginWith(mode: IssuerMode) {
  await setIssuerMode(issuerUrl, mode)
  const { jar, callbackUrl } = await toCallback()
  const before = await issuerCounters(issuerUrl)
  const outcome = await appCallback(callbackUrl, jar)
  const after = await issuerCounters(issuerUrl)
  return { ...outcome, tokenCalls: after.token - before.token, jwksCalls: after.jwks - before.jwks, userinfoCalls: after.userinfo - before.userinfo }
}

afterEach(async () => {
  await setIssuerMode(issuerUrl, 'ok')
})

describe('[OIDC-4] the test issuer works when it behaves (control for the negatives below)', () => {
  it('ok → CODE issued, through the custom provider API', async () => {
    const result = await loginWith('ok')
    expect(result.location.pathname).toBe('/auth/callback')
    expect(result.location.searchParams.get('code')).toMatch(/^[\w-]{43}$/)
    expect(result.setHandoff).toBe(true)
    expect(result.tokenCalls).toBe(1)
    expect(result.userinfoCalls).toBe(1)
  })

  it('ok → CODE issued through the class form (OAuthBaseProvider); its profile mapping is used', async () => {
    const { jar, callbackUrl } = await toCallback(new CookieJar(), 'testidp-class')
    expect(callbackUrl.pathname).toBe('/auth/testidp-class')
    const outcome = await appCallback(callbackUrl, jar)
    expect(outcome.location.pathname).toBe('/auth/callback')
    const token = await redeem(appUrl, outcome.location.searchParams.get('code'), jar)
    expect(token.status).toBe(200)
    const { token: accessToken } = await token.json() as { token: string }
    expect(decodeJwt(accessToken)).toMatchObject({ sub: 'testidp-user-1', provider: 'testidp-class' })
    const me = await fetch(new URL('/api/user/me', appUrl), { headers: { authorization: `Bearer ${accessToken}` } })
    expect(await me.json()).toMatchObject({ sub: 'testidp-user-1', name: 'mapped by the class', email: 'testidp@example.test' })
  })

  it('a custom provider\'s claims function runs again on refresh in a process that never served its route', async () => {
    const { jar, callbackUrl } = await toCallback(new CookieJar(), 'testidp-class')
    const outcome = await appCallback(callbackUrl, jar)
    const token = await redeem(appUrl, outcome.location.searchParams.get('code'), jar)
    const loginClaims = decodeJwt((await token.json() as { token: string }).token)
    expect(typeof loginClaims.servedBy).toBe('number')
    // Another server process on the same session storage, which has not opened /auth/testidp-class.
    const other = inject('mockOffUrl')
    const refreshed = await postWithCookie(other, '/auth/refresh', jar)
    expect(refreshed.status).toBe(200)
    const refreshedClaims = decodeJwt((await refreshed.json() as { token: string }).token)
    expect(refreshedClaims).toMatchObject({ sub: 'testidp-user-1', provider: 'testidp-class' })
    expect(typeof refreshedClaims.servedBy).toBe('number')
    expect(refreshedClaims.servedBy).not.toBe(loginClaims.servedBy)
  })
})

describe('[OIDC-5] a bad ID token ends on the error page with no CODE', () => {
  it.each<IssuerMode>([
    'wrong-nonce', 'missing-nonce', 'bad-signature', 'alg-none', 'hs256-public', 'wrong-iss', 'wrong-aud',
    'extra-aud-no-azp', 'expired', 'missing-exp', 'missing-sub', 'missing-iat', 'unknown-kid', 'iat-future',
    'embedded-jwk', 'jku',
  ])('%s → invalid_id_token', async (mode) => {
    const result = await loginWith(mode)
    expect(result.location.pathname).toBe('/auth/error')
    expect(result.location.searchParams.get('error')).toBe('invalid_id_token')
    expect(result.location.searchParams.get('code')).toBeNull()
    expect(result.setHandoff).toBe(false)
    expect(result.tokenCalls).toBe(1)
    // Nothing after the ID token: the userinfo endpoint is never asked.
    expect(result.userinfoCalls).toBe(0)
  })

  it('keys offered in token headers (jku) are never fetched', async () => {
    const before = await issuerCounters(issuerUrl)
    const result = await loginWith('jku')
    expect(result.location.searchParams.get('error')).toBe('invalid_id_token')
    expect((await issuerCounters(issuerUrl)).attackerJwks).toBe(before.attackerJwks)
  })

  it('the JWKS is cached between logins; an unknown kid refetches it at most once per cooldown', async () => {
    await loginWith('ok')
    expect((await loginWith('ok')).jwksCalls).toBe(0)
    const results = [await loginWith('unknown-kid'), await loginWith('unknown-kid'), await loginWith('unknown-kid')]
    expect(results.map(result => result.location.searchParams.get('error'))).toEqual(['invalid_id_token', 'invalid_id_token', 'invalid_id_token'])
    expect(results.reduce((sum, result) => sum + result.jwksCalls, 0)).toBeLessThanOrEqual(1)
  })
})

describe('[OIDC-6] userinfo and token endpoint failures', () => {
  it('userinfo with another sub than the ID token → login_failed, no CODE', async () => {
    const result = await loginWith('userinfo-sub-mismatch')
    expect(result.location.searchParams.get('error')).toBe('login_failed')
    expect(result.setHandoff).toBe(false)
    expect(result.userinfoCalls).toBe(1)
  })

  it.each<IssuerMode>(['token-500', 'token-html', 'token-hang'])('%s → provider_unavailable, no CODE', async (mode) => {
    const result = await loginWith(mode)
    expect(result.location.pathname).toBe('/auth/error')
    expect(result.location.searchParams.get('error')).toBe('provider_unavailable')
    expect(result.setHandoff).toBe(false)
    expect(result.tokenCalls).toBe(1)
    const calls = await hookCalls(appUrl)
    expect(calls.filter(call => call.name === 'testidp:onError').at(-1)?.data).toEqual({ code: 'provider_unavailable' })
  })
})

describe('[OIDC-7] state and transaction failures never reach the token endpoint', () => {
  async function expectRefused(url: URL, jar: CookieJar) {
    const before = await issuerCounters(issuerUrl)
    const outcome = await appCallback(url, jar)
    const after = await issuerCounters(issuerUrl)
    expect(outcome.location.pathname).toBe('/auth/error')
    expect(outcome.location.searchParams.get('error')).toBe('invalid_state')
    expect(outcome.setHandoff).toBe(false)
    expect(after.token - before.token).toBe(0)
  }

  it('a state that matches no transaction', async () => {
    const { jar, callbackUrl } = await toCallback()
    callbackUrl.searchParams.set('state', 'A'.repeat(43))
    await expectRefused(callbackUrl, jar)
  })

  it('no transaction cookie (another browser)', async () => {
    const { callbackUrl } = await toCallback()
    await expectRefused(callbackUrl, new CookieJar())
  })

  it('a used transaction (the callback replayed)', async () => {
    const { jar, callbackUrl } = await toCallback()
    const saved = jar.clone()
    const first = await appCallback(callbackUrl, jar)
    expect(first.location.pathname).toBe('/auth/callback')
    await expectRefused(callbackUrl, saved)
  })

  it('a duplicated state parameter', async () => {
    const { jar, callbackUrl } = await toCallback()
    callbackUrl.searchParams.append('state', callbackUrl.searchParams.get('state')!)
    await expectRefused(callbackUrl, jar)
  })

  it('the RFC 9207 iss missing although the issuer advertises it', async () => {
    const { jar, callbackUrl } = await toCallback()
    callbackUrl.searchParams.delete('iss')
    await expectRefused(callbackUrl, jar)
  })

  it('the RFC 9207 iss of another issuer', async () => {
    const { jar, callbackUrl } = await toCallback()
    callbackUrl.searchParams.set('iss', 'https://attacker.example')
    await expectRefused(callbackUrl, jar)
  })

  it('a transaction cookie of this provider carried to another provider\'s route', async () => {
    const { jar, callbackUrl } = await toCallback()
    const txCookie = jar.names().find(name => name.startsWith(TX_COOKIE_PREFIX))!
    const value = jar.get(txCookie)!
    jar.set(txCookie, value, '/auth/oidc')
    const before = await issuerCounters(issuerUrl)
    const outcome = await appCallback(new URL(`/auth/oidc${callbackUrl.search}`, appUrl), jar)
    expect(outcome.location.searchParams.get('error')).toBe('invalid_state')
    expect((await issuerCounters(issuerUrl)).token - before.token).toBe(0)
  })
})
