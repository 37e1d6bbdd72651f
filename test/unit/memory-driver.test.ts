/**
 * The bounded memory driver behind `driver: 'memory'` and the default credentials store:
 * TTLs honoured, expired entries swept without any read, entries capped (expired first, then
 * the oldest write). unstorage's own memory driver keeps every entry forever.
 */
import { createStorage, prefixStorage } from 'unstorage'
import unstorageMemory from 'unstorage/drivers/memory'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import aegisMemory from '../../src/runtime/server/core/memory-driver'
import type { TtlMap } from '../../src/runtime/server/core/ttl-map'
import { createRateLimiter } from '../../src/runtime/server/core/rate-limit'
import { resolveStorageOptions, STORAGE_SPECS } from '../../src/setup/storage-defaults'
import { boundMemoryMounts } from '../../src/runtime/server/context/memory-mounts'

const T0 = 1_700_000_000_000

/**
 * The default `aegis:credentials` mount as it is at run time: Nitro mounts what the options say
 * (unstorage's memory driver for `memory`), then the module's plugin swaps in the bounded driver.
 */
function credentialsStorage() {
  const { driver, ...options } = resolveStorageOptions(undefined, STORAGE_SPECS['aegis:credentials'])
  expect(driver).toBe('memory')
  const root = createStorage()
  root.mount('aegis:credentials', unstorageMemory())
  boundMemoryMounts(root, { 'aegis:credentials': options })
  const { driver: mounted } = root.getMount('aegis:credentials')
  return { storage: prefixStorage(root, 'aegis:credentials'), size: () => (mounted.getInstance!() as { size: number }).size }
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('[PWD-18] bounded memory driver', () => {
  it('honours ttl on setItem: the entry is gone when it expires, for get, has and getKeys', async () => {
    const storage = createStorage({ driver: aegisMemory({}) })
    await storage.setItem('short', { n: 1 }, { ttl: 2 })
    await storage.setItem('forever', { n: 2 })
    expect(await storage.getItem('short')).toEqual({ n: 1 })
    vi.advanceTimersByTime(1999)
    expect(await storage.hasItem('short')).toBe(true)
    vi.advanceTimersByTime(1)
    expect(await storage.getItem('short')).toBeNull()
    expect(await storage.hasItem('short')).toBe(false)
    expect(await storage.getKeys()).toEqual(['forever'])
    expect(await storage.getItem('forever')).toEqual({ n: 2 })
  })

  it('a driver-level ttl applies to writes that give none', async () => {
    const storage = createStorage({ driver: aegisMemory({ ttl: 5 }) })
    await storage.setItem('k', 'v')
    vi.advanceTimersByTime(5000)
    expect(await storage.getItem('k')).toBeNull()
  })

  it('sweeps expired entries with no read at all, mixed TTLs included (a long-lived entry first does not shield later expired ones)', async () => {
    const mounted = aegisMemory({ sweepIntervalMs: 1000 })
    const storage = createStorage({ driver: mounted })
    const entries = mounted.getInstance!() as TtlMap<unknown>
    await storage.setItem('long', 1, { ttl: 3600 })
    for (let i = 0; i < 5000; i++) await storage.setItem(`short:${i}`, i, { ttl: 1 })
    expect(entries.size).toBe(5001)
    vi.advanceTimersByTime(2000)
    expect(entries.size).toBe(1)
    expect(await storage.getItem('long')).toBe(1)
  })

  it('caps entries: evicts expired ones first, then the oldest write', async () => {
    const mounted = aegisMemory({ maxEntries: 3, sweepIntervalMs: 0 })
    const storage = createStorage({ driver: mounted })
    await storage.setItem('old-live', 'a', { ttl: 3600 })
    await storage.setItem('expiring', 'b', { ttl: 1 })
    await storage.setItem('newer-live', 'c', { ttl: 3600 })
    vi.advanceTimersByTime(1000)
    await storage.setItem('newest', 'd', { ttl: 3600 })
    // The expired entry made room: the oldest live one stays.
    expect(await storage.getKeys()).toEqual(['old-live', 'newer-live', 'newest'])
    await storage.setItem('one-more', 'e', { ttl: 3600 })
    // All live: the oldest write goes.
    expect(await storage.getKeys()).toEqual(['newer-live', 'newest', 'one-more'])
    expect((mounted.getInstance!() as TtlMap<unknown>).size).toBe(3)
  })

  it('maxEntries 0 means no cap (session mount)', async () => {
    const mounted = aegisMemory({ maxEntries: 0 })
    const storage = createStorage({ driver: mounted })
    for (let i = 0; i < 100_001; i++) await storage.setItem(`k${i}`, i)
    // One past the default cap.
    expect((mounted.getInstance!() as TtlMap<unknown>).size).toBe(100_001)
  })

  it('clear(base) removes only that base; clear() everything', async () => {
    const mounted = aegisMemory({})
    const storage = createStorage({ driver: mounted })
    await storage.setItem('rl:a', 1)
    await storage.setItem('code:b', 2)
    await mounted.clear!('rl:', {})
    expect(await storage.getKeys()).toEqual(['code:b'])
    await storage.clear()
    expect(await storage.getKeys()).toEqual([])
  })

  it('the default credentials store forgets 20,000 rate-limit counters of random emails once their window ends', async () => {
    const { storage, size } = credentialsStorage()
    const limiter = createRateLimiter(storage, { secret: 's'.repeat(32) })
    for (let i = 0; i < 20_000; i++) await limiter.hit('login:email', `user${i}-${Math.random()}@example.com`, { limit: 10, window: 60 })
    expect(size()).toBe(20_000)
    // Past the window and one sweep interval: nothing left, without any read.
    await vi.advanceTimersByTimeAsync(121_000)
    expect(size()).toBe(0)
  // 20,000 keyed hits are CPU work (an HMAC each): well over vitest's 5 s default on a loaded 2-core machine.
  }, 60_000)

  it('the swap keeps a mount the app replaced with another driver', () => {
    const root = createStorage()
    const own = aegisMemory({ maxEntries: 7 })
    root.mount('aegis:credentials', own)
    boundMemoryMounts(root, { 'aegis:credentials': { maxEntries: 1 } })
    expect(root.getMount('aegis:credentials').driver).toBe(own)
  })
})
