/**
 * Instant revocation across two instances on one real Redis (AEGIS_REDIS_URL): a session ended
 * on A stops its access tokens on B within the documented delay. B polls only every 60 s here,
 * so what refuses the token within a second is the pub/sub message.
 */
import { describe, expect, it } from 'vitest'
import { loginSession, postWithCookie, send } from '../support/http'
import { startServer } from '../support/server'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { within } from '../support/wait'

const bearer = (url: string, path: string, token: string) => fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } })

describe.skipIf(!redisUrl)('[REV-5] revocation across instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('rev', {
    env: { NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_AUTH_CODE_SHARED: 'true' },
    b: { NUXT_AEGIS_REVOCATION_REFRESH_MS: '60000' },
  })

  it('logout on A: the next requests with that access token on B are refused within a second', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    const other = await loginSession(pair.a.url, 'alice')
    for (const token of [session.token, other.token]) expect((await bearer(pair.b.url, '/api/protected/whoami', token)).status).toBe(200)
    expect((await postWithCookie(pair.a.url, '/auth/logout', session.jar)).status).toBe(204)
    expect((await bearer(pair.a.url, '/api/protected/whoami', session.token)).status).toBe(401)
    await within(1000, async () => (await bearer(pair.b.url, '/api/protected/whoami', session.token)).status === 401, 'refused on B')
    expect((await bearer(pair.b.url, '/api/protected/whoami', other.token)).status).toBe(200)
    // The list lives in Redis beside the sessions, with a TTL.
    const head = `${pair.base}:refresh:refresh:revocations:head`
    expect(await pair.redis.ttl(head)).toBeGreaterThan(600)
  })

  it('revokeUserSessions on A: the other sessions\' access tokens are refused on B within a second', async () => {
    const keep = await loginSession(pair.a.url, 'bob')
    const ended = [await loginSession(pair.a.url, 'bob'), await loginSession(pair.b.url, 'bob')]
    for (const s of ended) expect((await bearer(pair.b.url, '/api/protected/whoami', s.token)).status).toBe(200)
    const revoked = await send(new URL('/api/test/revoke-other-sessions', pair.a.url), { method: 'POST', headers: { authorization: `Bearer ${keep.token}` }, jar: keep.jar })
    expect(await revoked.json()).toMatchObject({ revoked: 2 })
    for (const s of ended) await within(1000, async () => (await bearer(pair.b.url, '/api/protected/whoami', s.token)).status === 401, 'refused on B')
    expect((await bearer(pair.b.url, '/api/protected/whoami', keep.token)).status).toBe(200)
  })

  it('a fresh instance loads the list at start: it never accepts a token revoked before it started', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    expect((await postWithCookie(pair.a.url, '/auth/logout', session.jar)).status).toBe(204)
    const c = await startServer(pair.env)
    try {
      expect((await bearer(c.url, '/api/protected/whoami', session.token)).status).toBe(401)
    }
    finally {
      await c.stop()
    }
  })
})
