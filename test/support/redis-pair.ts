/**
 * Two instances of the built fixture on one Redis key space (AEGIS_REDIS_URL), as behind a load
 * balancer: started before the tests of the describe block that calls `useRedisPair`, stopped
 * after them, and the key space removed. Each pair gets its own random key prefix, so pairs of
 * different files never see each other's records.
 */
import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { TEST_SECRET, startServer } from './server'
import type { RunningServer } from './server'

export const redisUrl = process.env.AEGIS_REDIS_URL

export interface RedisPairEnv {
  /** Environment of both instances (the token secret, the Redis URL and key prefix are added). */
  env?: Record<string, string>
  /** Extra environment of instance A or B only. */
  a?: Record<string, string>
  b?: Record<string, string>
}

export interface RedisPair {
  /** The key prefix of this pair (`AEGIS_TEST_REDIS_BASE` of the fixture). */
  readonly base: string
  /** The environment both instances started with, for starting a third one. */
  readonly env: Record<string, string>
  readonly a: RunningServer
  readonly b: RunningServer
  /** A client on the same Redis, to look at the keys the instances wrote. */
  readonly redis: Redis
}

/**
 * Registers the pair's set-up and clean-up in the calling describe block. `setup` may be a
 * function when the environment needs something decided at start (a free port, a site URL).
 */
export function useRedisPair(name: string, setup: RedisPairEnv | (() => RedisPairEnv | Promise<RedisPairEnv>) = {}): RedisPair {
  const base = `aegis-${name}-${randomBytes(6).toString('hex')}`
  let started: { env: Record<string, string>, a: RunningServer, b: RunningServer, redis: Redis } | undefined
  const get = () => {
    if (!started) throw new Error(`the Redis pair ${base} is not started (use it inside its describe block's tests)`)
    return started
  }

  beforeAll(async () => {
    const given = typeof setup === 'function' ? await setup() : setup
    const env = { NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, ...given.env, AEGIS_TEST_REDIS_URL: redisUrl!, AEGIS_TEST_REDIS_BASE: base }
    const [a, b] = await Promise.allSettled([startServer({ ...env, ...given.a }), startServer({ ...env, ...given.b })])
    if (a.status === 'rejected' || b.status === 'rejected') {
      // Never leave the one that did start running.
      await Promise.all([a, b].map(one => one.status === 'fulfilled' ? one.value.stop() : undefined))
      throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason
    }
    started = { env, a: a.value, b: b.value, redis: new Redis(redisUrl!) }
  }, 60_000)

  afterAll(async () => {
    if (!started) return
    const { a, b, redis } = started
    const keys = await redis.keys(`${base}:*`)
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
    await Promise.all([a.stop(), b.stop()])
  })

  return {
    base,
    get env() { return get().env },
    get a() { return get().a },
    get b() { return get().b },
    get redis() { return get().redis },
  }
}
