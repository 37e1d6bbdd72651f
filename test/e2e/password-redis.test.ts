/**
 * Two instances of the built fixture sharing one real Redis (AEGIS_REDIS_URL, started by
 * .ci/run): the credential rate limits count across instances.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { postJson, uniqueIp } from '../support/password'

describe.skipIf(!redisUrl)('[PWD-3] rate limits shared by instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('pwd', { env: { NUXT_AEGIS_TRUST_PROXY: '1' } })

  it('failed attempts on either instance count against one email; the counters live in Redis', async () => {
    const email = `dana+${randomBytes(3).toString('hex')}@example.com`
    for (let i = 0; i < 5; i++) {
      const server = i % 2 === 0 ? pair.a : pair.b
      expect((await postJson(server.url, '/auth/credentials', { email, password: `guess-${i}` }, { ip: uniqueIp() })).status).toBe(401)
    }
    for (const server of [pair.a, pair.b]) {
      const blocked = await postJson(server.url, '/auth/credentials', { email, password: 'guess-x' }, { ip: uniqueIp() })
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const keys = await pair.redis.keys(`${pair.base}:credentials:*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.join('\n')).not.toContain('dana')
  })

  it('a parallel burst spread over both instances is counted exactly: the limit holds across instances', async () => {
    const email = `erin+${randomBytes(3).toString('hex')}@example.com`
    const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      postJson((i % 2 ? pair.a : pair.b).url, '/auth/credentials', { email, password: `guess-${i}` }, { ip: uniqueIp() }).then(r => r.status)))
    expect(statuses.filter(status => status === 401)).toHaveLength(5)
    expect(statuses.filter(status => status === 429)).toHaveLength(11)
  })
})
