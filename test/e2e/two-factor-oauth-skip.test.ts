/**
 * The second factor of a user who logs in through a real OpenID provider (panva's oidc-provider,
 * the shared `oidcApp` fixture with its default options): the OAuth login cannot skip it, the step
 * only goes on in the browser that logged in, and a replayed CODE ends what the step started.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, isDeletion, postWithCookie, redeem, setCookies } from '../support/http'
import { appCallback, providerRoundTrip } from '../support/oidc-flow'
import { postJson } from '../support/password'
import { authenticator, secretOf, totpCode } from '../support/totp'

const appUrl = inject('oidcAppUrl')
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const STEP_COOKIE_PREFIX = 'nuxt-aegis-mfa-'

/** A provider login up to the CODE: the app's jar (handoff cookie inside) and the CODE. */
async function oidcCode(login: string, query: Record<string, string> = {}) {
  const { jar, callbackUrl } = await providerRoundTrip(appUrl, 'oidc', { login, query })
  const { location } = await appCallback(callbackUrl, jar)
  const code = location.searchParams.get('code')
  if (!code) throw new Error(`no CODE: ${location.href}`)
  return { jar, code }
}

/** A new OIDC account (its own login name: the fixture's servers are shared) with TOTP enrolled. */
async function oidcUserWithFactor() {
  const login = `mfa-${randomBytes(4).toString('hex')}`
  const first = await oidcCode(login)
  const answer = await redeem(appUrl, first.code, first.jar)
  expect(answer.status).toBe(200)
  const { token } = await answer.json() as { token: string }
  const { uri } = await (await postJson(appUrl, '/auth/mfa/totp/enroll', {}, { headers: bearer(token) })).json()
  const app = authenticator(secretOf(uri))
  expect((await postJson(appUrl, '/auth/mfa/totp/confirm', { code: await app.code() }, { headers: bearer(token) })).status).toBe(200)
  return { login, app, secret: secretOf(uri) }
}

/** The step answer of an OIDC login of `login`, with the jar that holds the step cookie. */
async function stepOf(login: string, query: Record<string, string> = {}) {
  const { jar, code } = await oidcCode(login, query)
  // What an attacker who copied the browser's cookies holds: the handoff cookie too.
  const copied = jar.clone()
  const response = await redeem(appUrl, code, jar)
  return { response, body: await response.json(), jar, code, copied }
}

const wrongCode = (secret: string) => String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0')

describe('[MFA-4] an OAuth login of a user with a second factor (default options)', () => {
  it('answers the step, not tokens; a wrong code is refused; the right one finishes the login on redirectTo', async () => {
    const user = await oidcUserWithFactor()
    const step = await stepOf(user.login, { redirectTo: '/members' })
    expect(step.response.status).toBe(202)
    expect(step.body).toEqual({ status: 'mfa_required', stepToken: expect.stringMatching(/^[\w-]{43}$/), methods: ['totp', 'recovery_code'], expiresIn: 300 })
    expect(step.jar.get(REFRESH_COOKIE)).toBeUndefined()
    // The step cookie: HttpOnly, only sent to /auth/mfa/verify, as long as the step lives.
    const cookie = setCookies(step.response).find(c => c.name.startsWith(STEP_COOKIE_PREFIX))!
    expect(cookie.attributes).toMatchObject({ 'httponly': true, 'secure': true, 'path': '/auth/mfa/verify', 'max-age': '300' })
    expect(cookie.value).toMatch(/^[\w-]{43}$/)
    expect(cookie.value).not.toBe(step.body.stepToken)

    const wrong = await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: wrongCode(user.secret) }, { jar: step.jar })
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error).toBe('invalid_mfa_code')
    expect(step.jar.get(REFRESH_COOKIE)).toBeUndefined()

    const done = await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { jar: step.jar })
    expect(done.status).toBe(200)
    const body = await done.json()
    expect(body.redirectTo).toBe('/members')
    expect(decodeJwt(body.token)).toMatchObject({ sub: user.login, provider: 'oidc', amr: ['otp', 'mfa'] })
    expect(step.jar.get(REFRESH_COOKIE)).toBeTruthy()
    // The step ended: its cookie is cleared.
    expect(setCookies(done).some(c => c.name.startsWith(STEP_COOKIE_PREFIX) && isDeletion(c))).toBe(true)
    expect(step.jar.names().some(name => name.startsWith(STEP_COOKIE_PREFIX))).toBe(false)
  })

  it('[MFA-7] refuses the step token without its cookie (another client) with the unknown-step answer, and spends nothing', async () => {
    const user = await oidcUserWithFactor()
    const step = await stepOf(user.login)
    const code = await user.app.code()
    const elsewhere = await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code }, { jar: new CookieJar() })
    expect(elsewhere.status).toBe(400)
    expect((await elsewhere.json()).error).toBe('invalid_mfa_step')
    // Another cookie value under the right name is no better.
    const forged = new CookieJar()
    const name = step.jar.names().find(n => n.startsWith(STEP_COOKIE_PREFIX))!
    forged.set(name, randomBytes(32).toString('base64url'), '/auth/mfa/verify')
    expect(await (await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code }, { jar: forged })).json()).toMatchObject({ error: 'invalid_mfa_step' })
    expect(forged.get(REFRESH_COOKIE)).toBeUndefined()
    // The browser that logged in still finishes it, with the very code the other client sent.
    expect((await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code }, { jar: step.jar })).status).toBe(200)
  })

  it('a replay of the CODE after the step finished revokes the session the step started', async () => {
    const user = await oidcUserWithFactor()
    const step = await stepOf(user.login)
    const done = await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { jar: step.jar })
    expect(done.status).toBe(200)
    expect((await postWithCookie(appUrl, '/auth/refresh', step.jar.clone())).status).toBe(200)

    const replay = await redeem(appUrl, step.code, step.copied)
    expect(replay.status).toBe(400)
    expect((await replay.json()).error).toBe('invalid_code')
    const refresh = await postWithCookie(appUrl, '/auth/refresh', step.jar)
    expect(refresh.status).toBe(401)
    expect((await refresh.json()).error).toBe('invalid_refresh_token')
  })

  it('a replay of the CODE while the step waits ends the step', async () => {
    const user = await oidcUserWithFactor()
    const step = await stepOf(user.login)
    expect((await redeem(appUrl, step.code, step.copied)).status).toBe(400)
    const late = await postJson(appUrl, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { jar: step.jar })
    expect(late.status).toBe(400)
    expect((await late.json()).error).toBe('invalid_mfa_step')
    expect(step.jar.get(REFRESH_COOKIE)).toBeUndefined()
  })
})
