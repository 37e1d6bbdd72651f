import { createHmac } from 'node:crypto'
import type { Storage } from 'unstorage'
import { createKeyedQueue } from './serialize'
import { storageCall } from './storage-io'
import type { Locks } from './locks'

/** At most `limit` attempts per `window` seconds. */
export interface RateLimitRule {
  limit: number
  window: number
}

export type RateLimitResult = { ok: true } | { ok: false, retryAfter: number }

export interface RateLimiter {
  /** Counts one attempt for `id` in `bucket`; refuses it (with seconds to wait) once the window's limit is reached. */
  hit: (bucket: string, id: string, rule: RateLimitRule) => Promise<RateLimitResult>
  /** Forgets the attempts of `id` in `bucket`. */
  reset: (bucket: string, id: string) => Promise<void>
}

interface Counter { count: number, resetAt: number }

/**
 * Fixed-window counters in unstorage (memory by default, Redis for several instances).
 * Keys hold an HMAC of the id (an email or an IP) under the server secret, never the id
 * itself nor a plain hash (the IPv4 space is small enough to reverse one). Counting is
 * serialized per key (in this process, and across instances with shared `locks`), so parallel
 * attempts are all counted.
 */
export function createRateLimiter(storage: Storage, options: { secret: string, locks?: Locks, now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now
  const queue = createKeyedQueue(options.locks)
  const key = (bucket: string, id: string) => `rl:${bucket}:${createHmac('sha256', options.secret).update(`nuxt-aegis:rate-limit:${id}`).digest('base64url')}`
  return {
    hit(bucket, id, rule) {
      const k = key(bucket, id)
      return queue(k, () => storageCall('credentials storage rate limit', async () => {
        if (!(rule.limit > 0) || !(rule.window > 0)) return { ok: true }
        const t = now()
        const stored = await storage.getItem<Counter>(k)
        const counter: Counter = stored && stored.resetAt > t ? stored : { count: 0, resetAt: t + rule.window * 1000 }
        if (counter.count >= rule.limit) return { ok: false, retryAfter: Math.max(1, Math.ceil((counter.resetAt - t) / 1000)) }
        counter.count++
        await storage.setItem(k, counter, { ttl: Math.max(1, Math.ceil((counter.resetAt - t) / 1000)) })
        return { ok: true }
      }))
    },
    async reset(bucket, id) {
      const k = key(bucket, id)
      await queue(k, () => storageCall('credentials storage rate limit reset', () => storage.removeItem(k)))
    },
  }
}
