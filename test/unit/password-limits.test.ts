import { createStorage } from 'unstorage'
import { describe, expect, it, vi } from 'vitest'
import { createRateLimiter } from '../../src/runtime/server/core/rate-limit'
import { clientIp, normalizeIp, trustedHops } from '../../src/runtime/server/core/client-ip'
import { createVerificationStore } from '../../src/runtime/server/password/verification'
import { sha256 } from '../../src/runtime/server/core/crypto'

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop'

describe('[PWD-3] storage-backed rate limits', () => {
  it('allows `limit` attempts per window, then refuses with the seconds left', async () => {
    let t = 1_000_000
    const limiter = createRateLimiter(createStorage(), { secret: SECRET, now: () => t })
    const rule = { limit: 3, window: 60 }
    for (let i = 0; i < 3; i++) expect(await limiter.hit('login', 'a@example.com', rule)).toEqual({ ok: true })
    expect(await limiter.hit('login', 'a@example.com', rule)).toEqual({ ok: false, retryAfter: 60 })
    t += 30_500
    expect(await limiter.hit('login', 'a@example.com', rule)).toEqual({ ok: false, retryAfter: 30 })
    // Other ids and other buckets have their own counters.
    expect((await limiter.hit('login', 'b@example.com', rule)).ok).toBe(true)
    expect((await limiter.hit('reset', 'a@example.com', rule)).ok).toBe(true)
    t += 30_000
    expect((await limiter.hit('login', 'a@example.com', rule)).ok).toBe(true)
  })

  it('counts parallel attempts one by one (no lost updates)', async () => {
    const limiter = createRateLimiter(createStorage(), { secret: SECRET })
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.hit('login', 'x', { limit: 5, window: 60 })))
    expect(results.filter(r => r.ok)).toHaveLength(5)
  })

  it('stores a keyed hash of the id, never the email or IP itself nor its plain SHA-256', async () => {
    const storage = createStorage()
    await createRateLimiter(storage, { secret: SECRET }).hit('login', '203.0.113.7', { limit: 1, window: 60 })
    const keys = await storage.getKeys()
    expect(keys).toHaveLength(1)
    expect(keys[0]).not.toContain('203.0.113.7')
    expect(keys[0]).not.toContain(sha256('203.0.113.7'))
    // Another secret, another key: the key cannot be recomputed without the server secret.
    const other = createStorage()
    await createRateLimiter(other, { secret: `${SECRET}-2` }).hit('login', '203.0.113.7', { limit: 1, window: 60 })
    expect(await other.getKeys()).not.toEqual(keys)
  })

  it('reset forgets the counter', async () => {
    const limiter = createRateLimiter(createStorage(), { secret: SECRET })
    await limiter.hit('b', 'x', { limit: 1, window: 60 })
    expect((await limiter.hit('b', 'x', { limit: 1, window: 60 })).ok).toBe(false)
    await limiter.reset('b', 'x')
    expect((await limiter.hit('b', 'x', { limit: 1, window: 60 })).ok).toBe(true)
  })
})

describe('[PWD-3] client IP for rate limits', () => {
  it('uses the socket address and ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientIp('::ffff:10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5')
    expect(clientIp('10.0.0.5', undefined, 1)).toBe('10.0.0.5')
  })

  it('takes the entry the nearest trusted proxy added, not a client-chosen left-most one', () => {
    // The client sent "6.6.6.6"; the proxy appended the address it saw.
    expect(clientIp('10.0.0.1', '6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9')
    expect(clientIp('10.0.0.1', '6.6.6.6, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9')
    // Fewer entries than hops, or garbage: the socket.
    expect(clientIp('10.0.0.1', 'not-an-ip', 1)).toBe('10.0.0.1')
    expect(clientIp('10.0.0.1', '203.0.113.9', 3)).toBe('10.0.0.1')
  })

  it('normalizes addresses and hop settings', () => {
    expect(normalizeIp('::1')).toBe('::1')
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1')
    expect(normalizeIp('<script>')).toBe('')
    expect(trustedHops(true)).toBe(1)
    expect(trustedHops('2')).toBe(2)
    expect(trustedHops(false)).toBe(0)
    expect(trustedHops('yes')).toBe(0)
  })
})

describe('[PWD-6] storage failures of the credential stores', () => {
  const broken = () => {
    const storage = createStorage()
    storage.getItem = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED rl:login:secret-key'), { code: 'ECONNREFUSED' })
    }
    return storage
  }

  it('answer 503 storage_unavailable, never a 500, and log no driver message (it may hold a key)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    await expect(createRateLimiter(broken(), { secret: SECRET }).hit('login', 'a@b.c', { limit: 1, window: 60 })).rejects.toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    const codes = createVerificationStore(broken(), { secret: 'x'.repeat(32), ttl: 60, maxAttempts: 5, digits: 6 })
    await expect(codes.checkCode('a@b.c', 'verify', '123456')).rejects.toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    const lines = logged.mock.calls.map(args => args.join(' '))
    expect(lines).toHaveLength(2)
    expect(lines.join('\n')).toContain('ECONNREFUSED')
    expect(lines.join('\n')).not.toContain('secret-key')
    logged.mockRestore()
  })
})
