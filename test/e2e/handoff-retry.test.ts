/**
 * A CODE whose redemption fails for storage trouble is not spent: the factor store (the app's
 * second-factor callbacks) down while POST /auth/token asks whether the user has a factor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, redeem, send } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', AEGIS_TEST_STORAGE_FAILURE: '1' })
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

const failing = (mfa: boolean) => send(new URL('/api/test/storage-failure', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: false, mfa }) })

describe('[CODE-7] storage trouble during POST /auth/token', () => {
  it('the second-factor lookup failing leaves the CODE usable: the retry logs in', async () => {
    const { code, jar } = await login(server.url, 'alice')
    expect((await failing(true)).status).toBe(200)
    try {
      const failed = await redeem(server.url, code, jar)
      expect(failed.status).toBeGreaterThanOrEqual(500)
    }
    finally {
      await failing(false)
    }
    const retried = await redeem(server.url, code, jar)
    expect(retried.status).toBe(200)
    expect(await retried.json()).toMatchObject({ tokenType: 'Bearer' })
  })
})
