/**
 * Two instances of the built fixture sharing one real Redis (AEGIS_REDIS_URL, started by
 * .ci/run): the credential rate limits count across instances.
 */
import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { postJson, uniqueIp } from '../support/password'

const redisUrl = process.env.AEGIS_REDIS_URL

describe.skipIf(!redisUrl)('[PWD-3] rate limits shared by instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const base = `aegis-pwd-${randomBytes(6).toString('hex')}`
  let a: RunningServer
  let b: RunningServer
  let redis: Redis

  beforeAll(async () => {
    const env = { NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_REDIS_URL: redisUrl!, AEGIS_TEST_REDIS_BASE: base }
    ;[a, b] = await Promise.all([startServer(env), startServer(env)])
    redis = new Redis(redisUrl!)
  }, 60_000)

  afterAll(async () => {
    const keys = await redis.keys(`${base}:*`)
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
    await Promise.all([a?.stop(), b?.stop()])
  })

  it('failed attempts on either instance count against one email; the counters live in Redis', async () => {
    const email = `dana+${randomBytes(3).toString('hex')}@example.com`
    for (let i = 0; i < 5; i++) {
      const server = i % 2 === 0 ? a : b
      expect((await postJson(server.url, '/auth/credentials', { email, password: `guess-${i}` }, { ip: uniqueIp() })).status).toBe(401)
    }
    for (const server of [a, b]) {
      const blocked = await postJson(server.url, '/auth/credentials', { email, password: 'guess-x' }, { ip: uniqueIp() })
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const keys = await redis.keys(`${base}:credentials:*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.join('\n')).not.toContain('dana')
  })

  it('a parallel burst spread over both instances is counted exactly: the limit holds across instances', async () => {
    const email = `erin+${randomBytes(3).toString('hex')}@example.com`
    const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      postJson((i % 2 ? a : b).url, '/auth/credentials', { email, password: `guess-${i}` }, { ip: uniqueIp() }).then(r => r.status)))
    expect(statuses.filter(status => status === 401)).toHaveLength(5)
    expect(statuses.filter(status => status === 429)).toHaveLength(11)
  })
})
