/**
 * The finding behind `mfa.oauth` on by default: with `defineAccounts`, a user who enrolled TOTP
 * could log in through another linked identity with no second factor. Its own fixture server with
 * the fixture's accounts plugin (AEGIS_TEST_ACCOUNTS=1) and default mfa options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, callback, decodeJwt, locationOf, redeem, sameOrigin, send, toProviderCallback } from '../support/http'
import { postJson } from '../support/password'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { authenticator, secretOf } from '../support/totp'

let server: RunningServer
let base: string

beforeAll(async () => {
  server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', AEGIS_TEST_ACCOUNTS: '1' })
  base = server.url
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

/** A mock login as `persona` up to `POST /auth/token`: its answer and the browser's jar. */
async function redeemAs(persona: string, jar = new CookieJar()) {
  const flow = await toProviderCallback(base, { user: persona }, jar)
  const { location } = await callback(flow.callbackUrl, jar)
  const response = await redeem(base, location.searchParams.get('code'), jar)
  return { response, body: await response.json(), jar }
}

/** Links the mock identity `persona` to the user of `token` (link start, mock provider, callback). */
async function link(token: string, jar: CookieJar, persona: string): Promise<void> {
  const started = await send(new URL('/auth/link/mock', base), { method: 'POST', jar, body: '{}', headers: { 'content-type': 'application/json', 'authorization': `Bearer ${token}`, ...sameOrigin(base) } })
  expect(started.status).toBe(200)
  const url = new URL((await started.json() as { url: string }).url, base)
  url.searchParams.set('user', persona)
  const start = await send(url, { jar })
  const authorize = locationOf(start, url)
  const back = await send(authorize, { jar })
  const { location } = await callback(locationOf(back, authorize), jar)
  expect(location.searchParams.get('error')).toBeNull()
}

describe('[MFA-4] a linked identity of a user with a second factor', () => {
  it('logs in only with the factor: the other provider identity gets the step, and the code finishes as the same user', async () => {
    const first = await redeemAs('alice')
    expect(first.response.status).toBe(200)
    const { token } = first.body as { token: string }
    const sub = decodeJwt(token).sub
    // Linked before the factor (afterwards linking needs a session that used it).
    await link(token, first.jar, 'gina')
    const headers = { authorization: `Bearer ${token}` }
    const { uri } = await (await postJson(base, '/auth/mfa/totp/enroll', {}, { headers })).json()
    const app = authenticator(secretOf(uri))
    expect((await postJson(base, '/auth/mfa/totp/confirm', { code: await app.code() }, { headers })).status).toBe(200)

    // The linked identity is the same account: no tokens without the code.
    const viaGina = await redeemAs('gina')
    expect(viaGina.response.status).toBe(202)
    expect(viaGina.body.status).toBe('mfa_required')
    expect(viaGina.body.token).toBeUndefined()
    expect(viaGina.jar.get(REFRESH_COOKIE)).toBeUndefined()
    const done = await postJson(base, '/auth/mfa/verify', { stepToken: viaGina.body.stepToken, code: await app.code() }, { jar: viaGina.jar })
    expect(done.status).toBe(200)
    expect(decodeJwt((await done.json()).token)).toMatchObject({ sub, provider: 'mock', amr: ['otp', 'mfa'] })
    // And the identity that enrolled is asked too.
    expect((await redeemAs('alice')).response.status).toBe(202)
  })
})
