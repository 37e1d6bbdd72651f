/**
 * Claims that change while the user is logged in: `updateSessionClaims` (the fixture's
 * POST /api/test/session-claims calls it for the caller) and `POST /auth/refresh` with
 * `{ updateClaims: true }`. The old access tokens stop at once here, and on another instance on
 * Redis within a second; the next refresh carries the new claims.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { decodeJwt, loginSession, postWithCookie, sameOrigin, send } from '../support/http'
import type { CookieJar, Session, TokenBody } from '../support/http'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { within } from '../support/wait'

const baseUrl = inject('baseUrl')
const whoami = (url: string, token: string) => fetch(new URL('/api/protected/whoami', url), { headers: { authorization: `Bearer ${token}` } })
const setClaims = (url: string, token: string, body: Record<string, unknown>) =>
  fetch(new URL('/api/test/session-claims', url), { method: 'POST', headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
async function refreshed(url: string, jar: CookieJar, body?: Record<string, unknown>): Promise<string> {
  const response = body
    ? await send(new URL('/auth/refresh', url), { method: 'POST', jar, headers: { ...sameOrigin(url), 'content-type': 'application/json' }, body: JSON.stringify(body) })
    : await postWithCookie(url, '/auth/refresh', jar)
  expect(response.status).toBe(200)
  return (await response.json() as TokenBody).token
}

describe('[CLAIMS-3] updateSessionClaims and refresh({ updateClaims }) on one instance', () => {
  let alice: Session
  beforeAll(async () => {
    alice = await loginSession(baseUrl, 'alice')
  })

  it('sets claims on the user\'s sessions: the old token is refused at once, the next refresh carries them (reserved ones dropped), and refreshes keep them', async () => {
    const other = await loginSession(baseUrl, 'bob')
    expect(await (await whoami(baseUrl, alice.token)).json()).toMatchObject({ role: 'admin' })
    const response = await setClaims(baseUrl, alice.token, { claims: { role: 'editor', sid: 'forged', amr: ['mfa'], iss: 'evil', nested: { a: 1 } } })
    expect(await response.json()).toMatchObject({ changed: expect.any(Number) })
    expect((await whoami(baseUrl, alice.token)).status).toBe(401)
    const next = await refreshed(baseUrl, alice.jar)
    const claims = decodeJwt(next)
    expect(claims).toMatchObject({ role: 'editor', sid: decodeJwt(alice.token).sid, iss: 'nuxt-aegis' })
    expect(claims.amr).toBeUndefined()
    expect(claims.nested).toBeUndefined()
    // Issued no earlier than the change, so the revocation entry does not refuse it.
    expect(await (await whoami(baseUrl, next)).json()).toMatchObject({ role: 'editor' })
    // The mock route has a claims function (role from the profile): a plain refresh keeps what the server set.
    const again = await refreshed(baseUrl, alice.jar)
    expect(decodeJwt(again).role).toBe('editor')
    // Another user's session is untouched.
    expect((await whoami(baseUrl, other.token)).status).toBe(200)
    alice.token = again
  })

  it('the function form gets the current claims and its result replaces them', async () => {
    await setClaims(baseUrl, alice.token, { plan: 'pro' })
    const next = decodeJwt(await refreshed(baseUrl, alice.jar))
    expect(next).toMatchObject({ role: 'editor', plan: 'pro' })
  })

  it('refresh({ updateClaims: true }) runs the claims function again and stores the result; the older tokens are refused', async () => {
    const before = await refreshed(baseUrl, alice.jar)
    expect((await whoami(baseUrl, before)).status).toBe(200)
    const updated = await refreshed(baseUrl, alice.jar, { updateClaims: true })
    expect(decodeJwt(updated)).toMatchObject({ role: 'admin' })
    expect(decodeJwt(updated).plan).toBeUndefined()
    expect((await whoami(baseUrl, before)).status).toBe(401)
    expect(await (await whoami(baseUrl, updated)).json()).toMatchObject({ role: 'admin' })
    // No longer pinned: the claims function runs on every refresh again.
    const later = decodeJwt(await refreshed(baseUrl, alice.jar))
    expect(later.role).toBe('admin')
  })

  it('the tokens of a session whose claims changed many times still die with it (no claims generation outlives a logout)', async () => {
    const session = await loginSession(baseUrl, 'bob')
    let token = session.token
    for (const role of ['a', 'b', 'c', 'd', 'e']) {
      // Every live session of bob on this shared storage changes (earlier tests' too).
      expect((await (await setClaims(baseUrl, token, { claims: { role } })).json() as { changed: number }).changed).toBeGreaterThanOrEqual(1)
      token = await refreshed(baseUrl, session.jar)
    }
    expect(await (await whoami(baseUrl, token)).json()).toMatchObject({ role: 'e' })
    expect((await postWithCookie(baseUrl, '/auth/logout', session.jar)).status).toBe(204)
    expect((await whoami(baseUrl, token)).status).toBe(401)
  })

  it('a malformed refresh body is refused (400) and the cookie kept; no body is a plain refresh', async () => {
    const response = await send(new URL('/auth/refresh', baseUrl), { method: 'POST', jar: alice.jar, headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json' }, body: '{nope' })
    expect(response.status).toBe(400)
    expect((await postWithCookie(baseUrl, '/auth/refresh', alice.jar)).status).toBe(200)
  })
})

describe.skipIf(!redisUrl)('[CLAIMS-4] a claims update on A reaches B on Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('claims', { env: { NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_AUTH_CODE_SHARED: 'true' } })

  it('the old token is refused on B within a second, and a refresh on B carries the new role', async () => {
    const session = await loginSession(pair.a.url, 'bob')
    expect(await (await whoami(pair.b.url, session.token)).json()).toMatchObject({ role: 'user' })
    expect(await (await setClaims(pair.a.url, session.token, { claims: { role: 'moderator' } })).json()).toEqual({ changed: 1 })
    await within(1000, async () => (await whoami(pair.b.url, session.token)).status === 401, 'old token refused on B')
    const next = await refreshed(pair.b.url, session.jar)
    expect(await (await whoami(pair.b.url, next)).json()).toMatchObject({ role: 'moderator' })
    expect(await (await whoami(pair.a.url, next)).json()).toMatchObject({ role: 'moderator' })
  })
})
