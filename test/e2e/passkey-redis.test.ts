/**
 * Passkey challenges in the shared code store: two instances of the fixture on one Redis
 * (AEGIS_REDIS_URL), both serving the same site (siteUrl = instance A's URL, as behind a load
 * balancer). The fixture's credential store is per instance; challenges are shared.
 */
import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET, freePort, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { CookieJar, loginSession, sameOrigin } from '../support/http'
import { passkeyCall } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

const redisUrl = process.env.AEGIS_REDIS_URL

describe.skipIf(!redisUrl)('[PASSKEY-2] passkey challenges shared by two instances on Redis (skipped without AEGIS_REDIS_URL)', () => {
  const base = `aegis-e2e-pk-${randomBytes(6).toString('hex')}`
  let a: RunningServer
  let b: RunningServer
  let site = ''
  let redis: Redis

  beforeAll(async () => {
    const port = await freePort()
    site = `http://localhost:${port}`
    const env = {
      NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
      NUXT_AEGIS_PASSKEY_ENABLED: 'true',
      NUXT_PUBLIC_SITE_URL: site,
      NUXT_AEGIS_AUTH_CODE_SHARED: 'true',
      AEGIS_TEST_REDIS_URL: redisUrl!,
      AEGIS_TEST_REDIS_BASE: base,
    }
    ;[a, b] = await Promise.all([startServer({ ...env, PORT: String(port) }), startServer(env)])
    redis = new Redis(redisUrl!)
  }, 60_000)

  afterAll(async () => {
    const keys = await redis.keys(`${base}:*`)
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
    await Promise.all([a?.stop(), b?.stop()])
  })

  /** A same-origin call to one instance, as the site's page sends it. */
  const call = (server: RunningServer, path: string, body: unknown, jar: CookieJar, token?: string) =>
    passkeyCall(server.url, path, body, { jar, token, headers: sameOrigin(site) })

  async function registered() {
    const session = await loginSession(site, 'alice')
    const authenticator = new SoftAuthenticator(site)
    // Options from B, verification (and the credential's storage) on A.
    const options = await (await call(b, '/auth/passkey/register/options', {}, session.jar, session.token)).json()
    const verify = await call(a, '/auth/passkey/register/verify', { response: authenticator.create(options) }, session.jar, session.token)
    expect(verify.status).toBe(200)
    return authenticator
  }

  it('a challenge issued by one instance is verified by the other, and lives in Redis', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const options = await (await call(b, '/auth/passkey/login/options', {}, jar)).json()
    expect((await redis.keys(`${base}:codes:passkey:ch:*`)).length).toBeGreaterThan(0)
    expect((await call(a, '/auth/passkey/login/verify', { response: authenticator.get(options) }, jar)).status).toBe(200)
  })

  it('a challenge used on one instance is refused on the other', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const assertion = authenticator.get(await (await call(a, '/auth/passkey/login/options', {}, jar)).json())
    expect((await call(a, '/auth/passkey/login/verify', { response: assertion }, jar)).status).toBe(200)
    const replay = await call(b, '/auth/passkey/login/verify', { response: assertion }, jar)
    expect(await replay.json()).toMatchObject({ error: 'invalid_challenge' })
    expect(replay.status).toBe(400)
  })

  it('of parallel verifications on both instances exactly one takes the challenge', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const options = await (await call(a, '/auth/passkey/login/options', {}, jar)).json()
    const responses = await Promise.all([a, b].map((server, i) => call(server, '/auth/passkey/login/verify', { response: authenticator.get(options, { counter: 10 + i }) }, jar)))
    const errors = await Promise.all(responses.map(async r => r.status === 200 ? 'ok' : (await r.json() as { error: string }).error))
    // B does not hold the credential: its winner says invalid_passkey; A's says ok.
    expect(errors.filter(e => e === 'invalid_challenge')).toHaveLength(1)
  })
})
