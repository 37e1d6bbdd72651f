/**
 * Passkey challenges in the shared code store: two instances of the fixture on one Redis
 * (AEGIS_REDIS_URL), both serving the same site (siteUrl = instance A's URL, as behind a load
 * balancer). The fixture's credential store is per instance; challenges are shared.
 */
import { describe, expect, it } from 'vitest'
import { freePort } from '../support/server'
import type { RunningServer } from '../support/server'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { CookieJar, loginSession, sameOrigin } from '../support/http'
import { passkeyCall } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

describe.skipIf(!redisUrl)('[PASSKEY-2] passkey challenges shared by two instances on Redis (skipped without AEGIS_REDIS_URL)', () => {
  let site = ''
  const pair = useRedisPair('pk', async () => {
    const port = await freePort()
    site = `http://localhost:${port}`
    return {
      env: { NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_PASSKEY_ENABLED: 'true', NUXT_PUBLIC_SITE_URL: site, NUXT_AEGIS_AUTH_CODE_SHARED: 'true' },
      a: { PORT: String(port) },
    }
  })

  /** A same-origin call to one instance, as the site's page sends it. */
  const call = (server: RunningServer, path: string, body: unknown, jar: CookieJar, token?: string) =>
    passkeyCall(server.url, path, body, { jar, token, headers: sameOrigin(site) })

  async function registered() {
    const session = await loginSession(site, 'alice')
    const authenticator = new SoftAuthenticator(site)
    // Options from B, verification (and the credential's storage) on A.
    const options = await (await call(pair.b, '/auth/passkey/register/options', {}, session.jar, session.token)).json()
    const verify = await call(pair.a, '/auth/passkey/register/verify', { response: authenticator.create(options) }, session.jar, session.token)
    expect(verify.status).toBe(200)
    return authenticator
  }

  it('a challenge issued by one instance is verified by the other, and lives in Redis', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const options = await (await call(pair.b, '/auth/passkey/login/options', {}, jar)).json()
    expect((await pair.redis.keys(`${pair.base}:codes:passkey:ch:*`)).length).toBeGreaterThan(0)
    expect((await call(pair.a, '/auth/passkey/login/verify', { response: authenticator.get(options) }, jar)).status).toBe(200)
  })

  it('a challenge used on one instance is refused on the other', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const assertion = authenticator.get(await (await call(pair.a, '/auth/passkey/login/options', {}, jar)).json())
    expect((await call(pair.a, '/auth/passkey/login/verify', { response: assertion }, jar)).status).toBe(200)
    const replay = await call(pair.b, '/auth/passkey/login/verify', { response: assertion }, jar)
    expect(await replay.json()).toMatchObject({ error: 'invalid_challenge' })
    expect(replay.status).toBe(400)
  })

  it('of parallel verifications on both instances exactly one takes the challenge', async () => {
    const authenticator = await registered()
    const jar = new CookieJar()
    const options = await (await call(pair.a, '/auth/passkey/login/options', {}, jar)).json()
    const responses = await Promise.all([pair.a, pair.b].map((server, i) => call(server, '/auth/passkey/login/verify', { response: authenticator.get(options, { counter: 10 + i }) }, jar)))
    const errors = await Promise.all(responses.map(async r => r.status === 200 ? 'ok' : (await r.json() as { error: string }).error))
    // B does not hold the credential: its winner says invalid_passkey; A's says ok.
    expect(errors.filter(e => e === 'invalid_challenge')).toHaveLength(1)
  })
})
