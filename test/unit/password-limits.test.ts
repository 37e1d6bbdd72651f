import { createStorage } from 'unstorage'
import { describe, expect, it, vi } from 'vitest'
import { createRateLimiter } from '../../src/runtime/server/core/rate-limit'
import { clientIp, normalizeIp, rateLimitGroup, trustedHops } from '../../src/runtime/server/core/client-ip'
import { credentialSubjects } from '../../src/runtime/server/password/identify'
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

describe('[PWD-14] IPv6 clients are limited by /64', () => {
  it('every address of one /64 shares one counter key; other /64s and IPv4 do not', () => {
    const group = rateLimitGroup('2001:db8:aa:bb::1')
    expect(group).toBe('2001:db8:aa:bb::/64')
    for (const same of ['2001:db8:aa:bb:ffff:ffff:ffff:ffff', '2001:0db8:00aa:00bb:1:2:3:4', '2001:db8:aa:bb:0:0:0:9']) expect(rateLimitGroup(same)).toBe(group)
    expect(rateLimitGroup('2001:db8:aa:bc::1')).not.toBe(group)
    expect(rateLimitGroup('::1')).toBe('0:0:0:0::/64')
    expect(rateLimitGroup('::ffff:1.2.3.4')).toBe('0:0:0:0::/64')
    expect(rateLimitGroup('203.0.113.9')).toBe('203.0.113.9')
  })

  it('a malformed literal is kept as it is (never merged into another group)', () => {
    expect(rateLimitGroup('1::2::3')).toBe('1::2::3')
    expect(rateLimitGroup('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9')
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
    await expect(codes.checkCode('account:a', 'verify', '123456')).rejects.toMatchObject({ statusCode: 503, code: 'storage_unavailable' })
    const lines = logged.mock.calls.map(args => args.join(' '))
    expect(lines).toHaveLength(2)
    expect(lines.join('\n')).toContain('ECONNREFUSED')
    expect(lines.join('\n')).not.toContain('secret-key')
    logged.mockRestore()
  })
})

describe('[PWD-16] credentials limits count every identifying field', () => {
  it('by default every identifying field present is a subject, so an added random email does not escape the username counter', () => {
    expect(credentialSubjects({ username: 'Bob ', password: 'x' })).toEqual(['username:bob'])
    expect(credentialSubjects({ username: 'bob', email: 'random-123@x.example', password: 'x' })).toEqual(['email:random-123@x.example', 'username:bob'])
    expect(credentialSubjects({ password: 'x' })).toEqual([])
  })

  it('identify names the field the app checks', () => {
    expect(credentialSubjects({ member: 'M-17', email: 'noise@x.example' }, body => body.member as string)).toEqual(['id:m-17'])
    expect(credentialSubjects({ a: 'one', b: 'Two' }, body => [body.a as string, body.b as string])).toEqual(['id:one', 'id:two'])
    expect(credentialSubjects({ a: 42 }, body => body.a as unknown as string)).toEqual([])
  })
})

describe('[PWD-16] credentials identifiers are folded as a loose collation compares them', () => {
  it('accents, compatibility forms, ignorable characters and case fall together', () => {
    for (const spelling of ['admín', 'ＡDMIN', 'ad\u00ADmin', 'a\u200Bdmin', ' Admin ']) expect(credentialSubjects({ username: spelling })).toEqual(['username:admin'])
    expect(credentialSubjects({ username: 'admin2' })).toEqual(['username:admin2'])
    // Letters without a decomposition that accent-insensitive collations fold too.
    for (const [spelling, folded] of [['bøb', 'bob'], ['pał', 'pal'], ['straße', 'strasse'], ['æsir', 'aesir'], ['œuvre', 'oeuvre'], ['đuro', 'duro'], ['ħal', 'hal']]) expect(credentialSubjects({ username: spelling })).toEqual([`username:${folded}`])
  })

  it('padding never makes an identifier uncounted', () => {
    expect(credentialSubjects({ username: `admin${'\u200B'.repeat(400)}` })).toEqual(['username:admin'])
    expect(credentialSubjects({ username: 'x'.repeat(1000) })).toEqual([`username:${'x'.repeat(320)}`])
  })
})
