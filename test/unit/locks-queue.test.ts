/**
 * withLock in one process: callers of one lock name queue and wait on the holder's end (first
 * come, first served, no polling of the store), give up after `waitMs` without breaking the line,
 * and the store's lock still excludes other instances (two lock stores over one Redis).
 */
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryLocks, createRedisLocks, withLock } from '../../src/runtime/server/core/locks'
import type { Locks, RedisLike } from '../../src/runtime/server/core/locks'

/** A lock store that counts its acquire calls. */
function counting(locks: Locks): Locks & { acquires: number } {
  const counted = {
    acquires: 0,
    shared: locks.shared,
    acquire: (name: string, ttlMs: number) => {
      counted.acquires++
      return locks.acquire(name, ttlMs)
    },
    release: locks.release,
    extend: locks.extend,
  }
  return counted
}

/** A promise and its resolve. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('[SES-8] withLock queues callers of one process', () => {
  it('runs them one at a time in the order they came; waiting costs no store calls (no polling)', async () => {
    const locks = counting(createMemoryLocks())
    const order: number[] = []
    let inside = 0
    let most = 0
    const first = gate()
    const runs = Array.from({ length: 20 }, (_, index) => withLock(locks, 'family', async () => {
      inside++
      most = Math.max(most, inside)
      if (index === 0) await first.opened
      await new Promise(resolve => setImmediate(resolve))
      order.push(index)
      inside--
      return index
    }))
    // All 19 wait behind the first after one try each (the first holds a live lease); then none
    // touches the store while it waits.
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(locks.acquires).toBe(20)
    await new Promise(resolve => setTimeout(resolve, 60))
    expect(locks.acquires).toBe(20)
    first.open()
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 20 }, (_, index) => index))
    expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index))
    expect(most).toBe(1)
    // Each waiter took the lock with one more call when its turn came.
    expect(locks.acquires).toBe(39)
  })

  it('a failing holder hands on too; other names do not wait', async () => {
    const locks = createMemoryLocks()
    const failing = withLock(locks, 'a', async () => {
      throw new Error('boom')
    })
    const next = withLock(locks, 'a', async () => 'next')
    const other = withLock(locks, 'b', async () => 'other')
    await expect(failing).rejects.toThrow('boom')
    expect(await next).toBe('next')
    expect(await other).toBe('other')
  })

  it('a waiter gives up after waitMs (503), and the line keeps its order and exclusion', async () => {
    const locks = createMemoryLocks()
    const holder = gate()
    const events: string[] = []
    let inside = 0
    const body = (label: string) => async () => {
      inside++
      expect(inside).toBe(1)
      events.push(`${label} in`)
      if (label === 'first') await holder.opened
      events.push(`${label} out`)
      inside--
    }
    const first = withLock(locks, 'job', body('first'))
    const impatient = withLock(locks, 'job', body('impatient'), { waitMs: 20 })
    const patient = withLock(locks, 'job', body('patient'), { waitMs: 10_000 })
    await expect(impatient).rejects.toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    // The patient one, behind the impatient one, still waits for the first.
    expect(events).toEqual(['first in'])
    holder.open()
    await first
    await patient
    expect(events).toEqual(['first in', 'first out', 'patient in', 'patient out'])
  })

  it('the busy option names the error', async () => {
    const locks = createMemoryLocks()
    const holder = gate()
    const first = withLock(locks, 'job', () => holder.opened)
    await expect(withLock(locks, 'job', async () => {}, { waitMs: 10, busy: () => new Error('busy!') })).rejects.toThrow('busy!')
    holder.open()
    await first
  })

  it('a lock held outside withLock (a direct acquire) is still waited for by polling', async () => {
    const locks = createMemoryLocks()
    const lease = (await locks.acquire('job', 10_000))!
    let ran = false
    const waiting = withLock(locks, 'job', async () => {
      ran = true
    }, { waitMs: 5_000 })
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(ran).toBe(false)
    await locks.release('job', lease)
    await waiting
    expect(ran).toBe(true)
  })

  const redisUrl = process.env.AEGIS_REDIS_URL
  describe.skipIf(!redisUrl)('across instances (redis; skipped without AEGIS_REDIS_URL)', () => {
    const client = redisUrl ? new Redis(redisUrl) : undefined
    const prefix = `aegis-locks-queue-test:${process.pid}:`
    afterAll(async () => {
      const keys = await client!.keys(`${prefix}*`)
      if (keys.length) await client!.del(...keys)
      client!.disconnect()
    })

    it('two instances (two lock stores on one Redis) never run the body at once', async () => {
      const a = createRedisLocks(client as unknown as RedisLike, prefix)
      const b = createRedisLocks(client as unknown as RedisLike, prefix)
      let inside = 0
      let most = 0
      let runs = 0
      const body = async () => {
        inside++
        most = Math.max(most, inside)
        await new Promise(resolve => setTimeout(resolve, 3))
        runs++
        inside--
      }
      await Promise.all(Array.from({ length: 30 }, (_, index) => withLock(index % 2 ? a : b, 'shared-job', body, { waitMs: 20_000 })))
      expect(runs).toBe(30)
      expect(most).toBe(1)
    })
  })
})
