/**
 * Instant revocation on one instance (the fs driver of the fixture): a session that ends stops
 * its access tokens at once, on the synchronous path of a token already verified and cached;
 * a storage outage keeps the last list and, after `staleAfter`, accepts or refuses as configured.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { decodeJwt, loginSession, postWithCookie, send } from '../support/http'
import type { Session } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { within } from '../support/wait'

const baseUrl = inject('baseUrl')
const FEED_TOKEN = 'feed-service-token-0123456789-abcdefghijkl'

const bearer = (url: string, path: string, token: string) => fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } })

describe('[REV-3] a session that ends stops its access tokens (one instance)', () => {
  it('logout: the cached access token is refused by the very next request, other sessions keep working', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const other = await loginSession(baseUrl, 'alice')
    // Verified once: from now on answered from the cache, synchronously.
    expect((await bearer(baseUrl, '/api/protected/whoami', session.token)).status).toBe(200)
    expect((await bearer(baseUrl, '/api/protected/whoami', session.token)).status).toBe(200)
    expect((await postWithCookie(baseUrl, '/auth/logout', session.jar)).status).toBe(204)
    const refused = await bearer(baseUrl, '/api/protected/whoami', session.token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
    expect((await bearer(baseUrl, '/api/user/me', session.token)).status).toBe(401)
    // getAuthUser in an app route refuses it too.
    expect((await bearer(baseUrl, '/api/public/me-or-null', session.token)).status).toBe(200)
    expect(await (await bearer(baseUrl, '/api/public/me-or-null', session.token)).json()).toMatchObject({ user: null })
    expect((await bearer(baseUrl, '/api/protected/whoami', other.token)).status).toBe(200)
  })

  it('revokeUserSessions (keep: this one) stops the other sessions\' access tokens, not this one\'s', async () => {
    const keep = await loginSession(baseUrl, 'bob')
    const ended = await loginSession(baseUrl, 'bob')
    expect((await bearer(baseUrl, '/api/protected/whoami', ended.token)).status).toBe(200)
    const revoked = await send(new URL('/api/test/revoke-other-sessions', baseUrl), { method: 'POST', headers: { authorization: `Bearer ${keep.token}` }, jar: keep.jar })
    // Every other session of bob on this shared storage (earlier files' too).
    expect((await revoked.json() as { revoked: number }).revoked).toBeGreaterThanOrEqual(1)
    expect((await bearer(baseUrl, '/api/protected/whoami', ended.token)).status).toBe(401)
    expect((await bearer(baseUrl, '/api/protected/whoami', keep.token)).status).toBe(200)
  })

  it('a refresh of the same session after logout gives nothing to get around it', async () => {
    const session = await loginSession(baseUrl, 'alice')
    expect((await postWithCookie(baseUrl, '/auth/logout', session.jar)).status).toBe(204)
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(401)
    expect(decodeJwt(session.token).sid).toEqual(expect.any(String))
    expect((await bearer(baseUrl, '/api/protected/whoami', session.token)).status).toBe(401)
  })
})

describe('[REV-3] two instances on one fs storage (the poll, no pub/sub)', () => {
  let a: RunningServer
  let b: RunningServer
  beforeAll(async () => {
    const env = { NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_REVOCATION_REFRESH_MS: '300' }
    ;[a, b] = await Promise.all([startServer(env), startServer(env)])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
  })

  it('logout on A is refused on B within refreshMs', async () => {
    const session = await loginSession(a.url, 'alice')
    expect((await bearer(b.url, '/api/protected/whoami', session.token)).status).toBe(200)
    expect((await postWithCookie(a.url, '/auth/logout', session.jar)).status).toBe(204)
    await within(300 + 2000, async () => (await bearer(b.url, '/api/protected/whoami', session.token)).status === 401, 'refused on B')
  })
})

describe('[REV-4] the session storage is down', () => {
  const servers: RunningServer[] = []
  const failing = (server: RunningServer, on: boolean) => send(new URL('/api/test/storage-failure', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on }) })
  const start = (onStale: string) => startServer({
    NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
    NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
    AEGIS_TEST_STORAGE_FAILURE: '1',
    NUXT_AEGIS_REVOCATION_REFRESH_MS: '200',
    NUXT_AEGIS_REVOCATION_STALE_AFTER: '1',
    NUXT_AEGIS_REVOCATION_ON_STALE: onStale,
    NUXT_AEGIS_REVOCATION_SERVICE_TOKEN: FEED_TOKEN,
  })
  const feed = (server: RunningServer) => fetch(new URL('/auth/revocations', server.url), { headers: { authorization: `Bearer ${FEED_TOKEN}` } })
  let accept: RunningServer
  let refuse: RunningServer
  beforeAll(async () => {
    [accept, refuse] = await Promise.all([start('accept'), start('refuse')])
    servers.push(accept, refuse)
  }, 60_000)
  afterAll(async () => {
    await Promise.all(servers.map(server => server.stop()))
  })

  async function revokedAndLive(server: RunningServer): Promise<{ revoked: Session, live: Session }> {
    const revoked = await loginSession(server.url, 'alice')
    const live = await loginSession(server.url, 'bob')
    expect((await bearer(server.url, '/api/protected/whoami', revoked.token)).status).toBe(200)
    expect((await postWithCookie(server.url, '/auth/logout', revoked.jar)).status).toBe(204)
    expect((await bearer(server.url, '/api/protected/whoami', live.token)).status).toBe(200)
    return { revoked, live }
  }

  it('onStale "accept": keeps the last list (revoked stays refused), says so once, and keeps accepting the others', async () => {
    const { revoked, live } = await revokedAndLive(accept)
    await failing(accept, true)
    try {
      await within(10_000, async () => accept.output().includes('revocation list stale'), 'stale logged')
      expect(accept.output().match(/revocation list could not be refreshed/g)).toHaveLength(1)
      expect((await bearer(accept.url, '/api/protected/whoami', revoked.token)).status).toBe(401)
      expect((await bearer(accept.url, '/api/protected/whoami', live.token)).status).toBe(200)
      // The feed never passes a stale list off as fresh: other services apply their own onStale.
      expect((await feed(accept)).status).toBe(503)
    }
    finally {
      await failing(accept, false)
    }
    await within(5000, async () => accept.output().includes('revocation list refreshed again'), 'refreshed again')
    expect((await feed(accept)).status).toBe(200)
  })

  it('onStale "refuse": after staleAfter every bearer request gets 503, and works again once the storage is back', async () => {
    const { revoked, live } = await revokedAndLive(refuse)
    await failing(refuse, true)
    try {
      await within(10_000, async () => (await bearer(refuse.url, '/api/protected/whoami', live.token)).status === 503, 'refused while stale')
      expect(refuse.output()).toContain('refusing every access token')
      expect((await bearer(refuse.url, '/api/protected/whoami', revoked.token)).status).toBe(503)
    }
    finally {
      await failing(refuse, false)
    }
    await within(5000, async () => (await bearer(refuse.url, '/api/protected/whoami', live.token)).status === 200, 'accepted again')
    expect((await bearer(refuse.url, '/api/protected/whoami', revoked.token)).status).toBe(401)
  })
})
