import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import type { Locks } from '../../src/runtime/server/core/locks'
import { createRateLimiter } from '../../src/runtime/server/core/rate-limit'

/** Memory locks presented as shared: what two instances get from one Redis. */
const sharedLocks = (): Locks => Object.assign(createMemoryLocks(), { shared: true })

describe('[PWD-3] counters across instances', () => {
  const rule = { limit: 5, window: 60 }

  it('two limiters on one storage with shared locks count a parallel burst exactly', async () => {
    const storage = createStorage()
    const locks = sharedLocks()
    const a = createRateLimiter(storage, { secret: 's'.repeat(32), locks })
    const b = createRateLimiter(storage, { secret: 's'.repeat(32), locks })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit('login', 'x@example.com', rule)))
    expect(results.filter(r => r.ok)).toHaveLength(5)
  })

  it('without shared locks the same burst overshoots (why Redis locks are used)', async () => {
    const storage = createStorage()
    const a = createRateLimiter(storage, { secret: 's'.repeat(32) })
    const b = createRateLimiter(storage, { secret: 's'.repeat(32) })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).hit('login', 'x@example.com', rule)))
    expect(results.filter(r => r.ok).length).toBeGreaterThan(5)
  })
})
