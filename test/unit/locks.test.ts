/**
 * Named locks with leases: a holder whose lock expired and was taken by another caller can
 * never release the new holder's lock (memory locks here; Redis locks on a real Redis).
 */
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryLocks, createRedisLocks, withLock } from '../../src/runtime/server/core/locks'
import type { Locks, RedisLike } from '../../src/runtime/server/core/locks'

const T0 = 1_700_000_000_000

/** The lease rules every lock store keeps; `wait` lets `ms` pass for the store's clock. */
async function leaseRules(locks: Locks, wait: (ms: number) => Promise<void>) {
  const first = await locks.acquire('job', 100)
  expect(first).toBeTypeOf('string')
  expect(await locks.acquire('job', 100)).toBeUndefined()
  await wait(150)
  // The first holder overran its lock: a second caller takes it.
  const second = await locks.acquire('job', 10_000)
  expect(second).toBeTypeOf('string')
  expect(second).not.toBe(first)
  // The first holder's late release frees nothing.
  await locks.release('job', first!)
  expect(await locks.acquire('job', 10_000)).toBeUndefined()
  // The holder's own release does.
  await locks.release('job', second!)
  const third = await locks.acquire('job', 10_000)
  expect(third).toBeTypeOf('string')
  await locks.release('job', third!)
}

describe('[SES-8] locks', () => {
  it('memory: a late release by a holder whose lock expired does not free the next holder\'s lock', async () => {
    const c = { t: T0 }
    await leaseRules(createMemoryLocks(() => c.t), async (ms) => {
      c.t += ms
    })
  })

  it('withLock releases with its own lease, so a later holder keeps the lock', async () => {
    const c = { t: T0 }
    const locks = createMemoryLocks(() => c.t)
    let later: string | undefined
    await withLock(locks, 'job', async () => {
      c.t += 200
      later = await locks.acquire('job', 10_000)
    }, { holdMs: 100 })
    expect(later).toBeTypeOf('string')
    expect(await locks.acquire('job', 10_000)).toBeUndefined()
  })

  const redisUrl = process.env.AEGIS_REDIS_URL
  describe.skipIf(!redisUrl)('redis (skipped without AEGIS_REDIS_URL)', () => {
    const client = redisUrl ? new Redis(redisUrl) : undefined
    const prefix = `aegis-locks-test:${process.pid}:`
    afterAll(async () => {
      const keys = await client!.keys(`${prefix}*`)
      if (keys.length) await client!.del(...keys)
      client!.disconnect()
    })

    it('a late release by a holder whose lock expired does not free the next holder\'s lock (compare-and-delete)', async () => {
      await leaseRules(createRedisLocks(client as unknown as RedisLike, prefix), ms => new Promise(resolve => setTimeout(resolve, ms)))
    })
  })
})
