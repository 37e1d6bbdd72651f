import { createStorage } from 'unstorage'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CODE_PATTERN, createMemoryCodeStore, createStorageCodeStore } from '../../src/runtime/server/handoff/codes'
import type { CodePayload, CodeStore, TakeResult } from '../../src/runtime/server/handoff/codes'
import { AegisError } from '../../src/runtime/server/core/errors'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { TtlMap } from '../../src/runtime/server/core/ttl-map'

const payload: CodePayload = { user: { sub: 'alice', provider: 'mock', email: 'alice@example.com' }, claims: { role: 'admin' }, redirectTo: '/dashboard', binding: 'binding-hash' }

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t }
  return c
}

/**
 * What `POST /auth/token` does with a result: anything but `ok` is the same 400 invalid_code
 * (a `used` result additionally revokes what it issued, server side, without changing the answer).
 */
function outward(result: TakeResult): { status: number, error?: string } {
  return result.status === 'ok' ? { status: 200 } : { status: 400, error: 'invalid_code' }
}

describe('[CODE-1] memory CODE store', () => {
  it('issues 256-bit base64url CODEs (43 characters) that are all different', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    const codes = await Promise.all(Array.from({ length: 50 }, () => store.issue(payload)))
    for (const code of codes) {
      expect(code).toMatch(/^[\w-]{43}$/)
      expect(CODE_PATTERN.test(code)).toBe(true)
    }
    expect(new Set(codes).size).toBe(50)
  })

  it('a CODE is taken once; the second take is "used"', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    const code = await store.issue(payload)
    expect(await store.take(code)).toEqual({ status: 'ok', payload })
    expect(await store.take(code)).toEqual({ status: 'used', issued: undefined })
    expect(await store.take(code)).toMatchObject({ status: 'used' })
  })

  it('an unknown CODE is "invalid"', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    await store.issue(payload)
    expect(await store.take('A'.repeat(43))).toEqual({ status: 'invalid' })
    expect(await store.take('')).toEqual({ status: 'invalid' })
  })

  it('an expired CODE is "invalid"', async () => {
    const c = clock()
    const store = createMemoryCodeStore({ ttlSeconds: 60, now: c.now })
    const code = await store.issue(payload)
    c.t += 59_999
    const fresh = await store.issue(payload)
    expect((await store.take(fresh)).status).toBe('ok')
    c.t += 1
    expect(await store.take(code)).toEqual({ status: 'invalid' })
  })

  it('stores CODEs by hash: a look-alike CODE gets nothing', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    const code = await store.issue(payload)
    const other = code.slice(0, 42) + (code.endsWith('A') ? 'B' : 'A')
    expect(await store.take(other)).toEqual({ status: 'invalid' })
    expect((await store.take(code)).status).toBe('ok')
  })

  it('markIssued then take → "used" naming the issued session', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    const code = await store.issue(payload)
    expect((await store.take(code)).status).toBe('ok')
    await store.markIssued(code, 'session-123')
    expect(await store.take(code)).toEqual({ status: 'used', issued: 'session-123' })
  })

  it('100 parallel takes of one CODE: exactly one ok', async () => {
    const store = createMemoryCodeStore({ ttlSeconds: 60 })
    const code = await store.issue(payload)
    const results = await Promise.all(Array.from({ length: 100 }, () => store.take(code)))
    expect(results.filter(r => r.status === 'ok')).toHaveLength(1)
    expect(results.filter(r => r.status === 'used')).toHaveLength(99)
  })
})

describe('[CODE-2] unknown, expired and used CODEs get the same answer', () => {
  it('maps used, unknown and expired to one outward result', async () => {
    const c = clock()
    const store = createMemoryCodeStore({ ttlSeconds: 60, now: c.now })
    const expired = await store.issue(payload)
    c.t += 61_000
    const used = await store.issue(payload)
    await store.take(used)
    await store.markIssued(used, 'sess')
    const results = [await store.take(used), await store.take('x'.repeat(43)), await store.take(expired)]
    expect(results.map(r => r.status)).toEqual(['used', 'invalid', 'invalid'])
    const answers = results.map(outward)
    expect(answers[0]).toEqual({ status: 400, error: 'invalid_code' })
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  })
})

describe('[CODE-3] the memory CODE store is bounded', () => {
  it('a flood of CODEs never holds more than maxEntries', async () => {
    const c = clock()
    const store = createMemoryCodeStore({ ttlSeconds: 60, maxEntries: 10, now: c.now })
    const codes: string[] = []
    for (let i = 0; i < 500; i++) codes.push(await store.issue(payload))
    const results = await Promise.all(codes.map(code => store.take(code)))
    // Only the newest maxEntries survive; the oldest were dropped, not kept growing.
    expect(results.filter(r => r.status === 'ok')).toHaveLength(10)
    expect(results.slice(-10).every(r => r.status === 'ok')).toBe(true)
  })

  it('expired CODEs are swept so they do not push out live ones', async () => {
    const c = clock()
    const store = createMemoryCodeStore({ ttlSeconds: 60, maxEntries: 10, now: c.now })
    for (let i = 0; i < 10; i++) await store.issue(payload)
    c.t += 61_000
    const live: string[] = []
    for (let i = 0; i < 10; i++) live.push(await store.issue(payload))
    const results = await Promise.all(live.map(code => store.take(code)))
    expect(results.every(r => r.status === 'ok')).toBe(true)
  })

  describe('expired CODEs are also swept on a timer, so an idle server shrinks back', () => {
    afterEach(() => {
      vi.restoreAllMocks()
    })

    it('sweeps both maps (live CODEs and used tombstones) every TTL by default, clamped to 1..60 s', () => {
      const sweepEvery = vi.spyOn(TtlMap.prototype, 'sweepEvery')
      createMemoryCodeStore({ ttlSeconds: 60 })
      expect(sweepEvery.mock.calls).toEqual([[60_000], [60_000]])
      sweepEvery.mockClear()
      createMemoryCodeStore({ ttlSeconds: 600 })
      expect(sweepEvery.mock.calls).toEqual([[60_000], [60_000]])
      sweepEvery.mockClear()
      createMemoryCodeStore({ ttlSeconds: 0.1 })
      expect(sweepEvery.mock.calls).toEqual([[1000], [1000]])
    })

    it('sweepIntervalMs: 0 turns the timer off', () => {
      const sweepEvery = vi.spyOn(TtlMap.prototype, 'sweepEvery')
      createMemoryCodeStore({ ttlSeconds: 60, sweepIntervalMs: 0 })
      expect(sweepEvery).not.toHaveBeenCalled()
    })
  })
})

describe('[CODE-1] [CODE-2] storage CODE store (shared mount)', () => {
  async function flow(store: CodeStore) {
    const code = await store.issue(payload)
    expect(code).toMatch(CODE_PATTERN)
    expect(await store.take(code)).toEqual({ status: 'ok', payload })
    expect(await store.take(code)).toMatchObject({ status: 'used' })
    await store.markIssued(code, 'sess-1')
    expect(await store.take(code)).toEqual({ status: 'used', issued: 'sess-1' })
    expect(await store.take('y'.repeat(43))).toEqual({ status: 'invalid' })
  }

  it('issues, takes once, remembers what it issued', async () => {
    await flow(createStorageCodeStore(createStorage(), { ttlSeconds: 60, locks: createMemoryLocks() }))
  })

  it('never stores the raw CODE', async () => {
    const storage = createStorage()
    const store = createStorageCodeStore(storage, { ttlSeconds: 60, locks: createMemoryLocks() })
    const code = await store.issue(payload)
    const keys = await storage.getKeys()
    expect(keys.join(' ')).not.toContain(code)
    for (const key of keys) expect(JSON.stringify(await storage.getItem(key))).not.toContain(code)
  })
})

describe('[CODE-2] restore after a failed redemption', () => {
  for (const [name, make] of [
    ['memory', () => createMemoryCodeStore({ ttlSeconds: 60 })],
    ['storage', () => createStorageCodeStore(createStorage(), { ttlSeconds: 60, locks: createMemoryLocks() })],
  ] as const) {
    it(`${name}: a restored CODE can be taken once more, and only once`, async () => {
      const store: CodeStore = make()
      const code = await store.issue(payload)
      const first = await store.take(code)
      expect(first.status).toBe('ok')
      await store.restore(code, payload)
      expect((await store.take(code)).status).toBe('ok')
      expect((await store.take(code)).status).toBe('used')
    })
  }
})

describe('[CODE-2] storage CODE store: a failing driver', () => {
  it('a read that fails is a 503 and frees the CODE: the retry takes it', async () => {
    const storage = createStorage()
    const store = createStorageCodeStore(storage, { ttlSeconds: 60, locks: createMemoryLocks() })
    const code = await store.issue(payload)
    const getItem = storage.getItem.bind(storage)
    let failNext = true
    storage.getItem = (async (...args: Parameters<typeof getItem>) => {
      if (failNext) {
        failNext = false
        throw new Error('ECONNRESET')
      }
      return getItem(...args)
    }) as typeof storage.getItem
    const error = await store.take(code).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(AegisError)
    expect(error).toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    expect(await store.take(code)).toEqual({ status: 'ok', payload })
  })

  it('a failure after the CODE was marked used keeps it spent: the retry never gets it (single use)', async () => {
    const storage = createStorage()
    const store = createStorageCodeStore(storage, { ttlSeconds: 60, locks: createMemoryLocks() })
    const code = await store.issue(payload)
    const removeItem = storage.removeItem.bind(storage)
    storage.removeItem = (async () => {
      throw new Error('ECONNRESET')
    }) as typeof storage.removeItem
    const error = await store.take(code).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    storage.removeItem = removeItem
    expect((await store.take(code)).status).toBe('used')
  })
})

describe('[CODE-1] [SES-8] storage CODE store: parallel takes from several instances', () => {
  it('of 20 parallel takes through two stores sharing storage and locks, exactly one wins', async () => {
    const storage = createStorage()
    const locks = createMemoryLocks()
    const a = createStorageCodeStore(storage, { ttlSeconds: 60, locks })
    const b = createStorageCodeStore(storage, { ttlSeconds: 60, locks })
    const code = await a.issue(payload)
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take(code)))
    expect(results.filter(r => r.status === 'ok')).toHaveLength(1)
    expect(results.filter(r => r.status === 'ok')[0]).toEqual({ status: 'ok', payload })
  })

  it('without a shared lock the same storage would hand a CODE out twice (why the lock exists)', async () => {
    const storage = createStorage()
    const a = createStorageCodeStore(storage, { ttlSeconds: 60, locks: createMemoryLocks() })
    const b = createStorageCodeStore(storage, { ttlSeconds: 60, locks: createMemoryLocks() })
    const code = await a.issue(payload)
    const results = await Promise.all([a.take(code), b.take(code)])
    expect(results.filter(r => r.status === 'ok')).toHaveLength(2)
  })
})
