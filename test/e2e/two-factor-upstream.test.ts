/**
 * A second factor between a credentials login that keeps the backend's tokens (the Directus
 * route of the fixture, test/support/upstream-backend.ts) and its session: the step carries the
 * upstream tokens sealed, and the session they end up in serves them to getProviderToken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, setCookie } from '../support/http'
import { postJson, uniqueIp } from '../support/password'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { authenticator, secretOf } from '../support/totp'
import { UPSTREAM_USERS, startUpstreamBackend } from '../support/upstream-backend'
import type { UpstreamBackend } from '../support/upstream-backend'

const [UMA] = UPSTREAM_USERS as [typeof UPSTREAM_USERS[0]]
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

let backend: UpstreamBackend
let app: RunningServer

beforeAll(async () => {
  backend = await startUpstreamBackend({ accessTtlMs: 60_000 })
  app = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_UPSTREAM_URL: backend.url })
}, 60_000)

afterAll(async () => {
  await app?.stop()
  await backend?.stop()
})

describe('[MFA-2] the pending login keeps the whole sign-in', () => {
  it('a credentials login with backend tokens waits for the factor, then its session serves the backend token', async () => {
    const ip = uniqueIp()
    const first = await postJson(app.url, '/auth/directus', { email: UMA.email, password: UMA.password }, { ip })
    const { token } = await first.json()
    const { uri } = await (await postJson(app.url, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer(token) })).json()
    const device = authenticator(secretOf(uri))
    expect((await postJson(app.url, '/auth/mfa/totp/confirm', { code: await device.code() }, { ip, headers: bearer(token) })).status).toBe(200)

    const jar = new CookieJar()
    const step = await postJson(app.url, '/auth/directus', { email: UMA.email, password: UMA.password }, { ip, jar })
    expect(step.status).toBe(202)
    const stepText = await step.text()
    expect(JSON.parse(stepText)).toMatchObject({ status: 'mfa_required' })
    expect(setCookie(step, REFRESH_COOKIE)).toBeUndefined()
    // The backend's tokens stay on the server during the step.
    const issued = backend.issued()
    expect(issued.access.length).toBeGreaterThan(1)
    for (const value of [...issued.access, ...issued.refresh]) expect(stepText).not.toContain(value)

    const done = await postJson(app.url, '/auth/mfa/verify', { stepToken: JSON.parse(stepText).stepToken, code: await device.code() }, { ip, jar })
    expect(done.status).toBe(200)
    const session = (await done.json()).token
    expect(decodeJwt(session)).toMatchObject({ sub: UMA.id, provider: 'directus', amr: ['otp', 'mfa'] })
    const upstream = await fetch(new URL('/api/upstream/me', app.url), { headers: bearer(session) })
    expect(upstream.status, await upstream.clone().text()).toBe(200)
    expect(await upstream.json()).toMatchObject({ status: 200, id: UMA.id })
  })
})
