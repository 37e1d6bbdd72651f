import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createVerificationStore } from '../../src/runtime/server/password/verification'

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop'

function store(overrides: { now?: () => number, maxAttempts?: number } = {}) {
  const storage = createStorage()
  return { storage, codes: createVerificationStore(storage, { secret: SECRET, ttl: 600, maxAttempts: overrides.maxAttempts ?? 5, digits: 6, now: overrides.now }) }
}

describe('[PWD-4] verification codes', () => {
  it('issues a 6-digit code and a long link token, stored only as HMACs', async () => {
    const { storage, codes } = store()
    const issued = await codes.issue('ann@example.com', 'verify')
    expect(issued.code).toMatch(/^\d{6}$/)
    expect(issued.token).toMatch(/^[\w-]{43}\.[\w-]{43}$/)
    const dump = JSON.stringify(await Promise.all((await storage.getKeys()).map(async k => [k, await storage.getItem(k)])))
    expect(dump).not.toContain(issued.code)
    expect(dump).not.toContain(issued.token.split('.')[1])
  })

  it('is single use', async () => {
    const { codes } = store()
    const { code } = await codes.issue('ann@example.com', 'verify')
    expect(await codes.checkCode('ann@example.com', 'verify', code)).toEqual({ ok: true, email: 'ann@example.com' })
    expect(await codes.checkCode('ann@example.com', 'verify', code)).toEqual({ ok: false })
  })

  it('is bound to the email and the purpose', async () => {
    const { codes } = store()
    const { code, token } = await codes.issue('ann@example.com', 'reset')
    expect((await codes.checkCode('bob@example.com', 'reset', code)).ok).toBe(false)
    expect((await codes.checkCode('ann@example.com', 'verify', code)).ok).toBe(false)
    expect((await codes.checkCode('ann@example.com', 'login', code)).ok).toBe(false)
    expect((await codes.checkLink('verify', token)).ok).toBe(false)
    expect(await codes.checkCode('ann@example.com', 'reset', code)).toEqual({ ok: true, email: 'ann@example.com' })
  })

  it('expires', async () => {
    let t = 0
    const { codes } = store({ now: () => t })
    const { code } = await codes.issue('ann@example.com', 'login')
    t = 600_000
    expect((await codes.checkCode('ann@example.com', 'login', code)).ok).toBe(false)
  })

  it('dies after maxAttempts wrong entries, counted atomically under parallel guesses', async () => {
    const { codes } = store({ maxAttempts: 5 })
    const { code } = await codes.issue('ann@example.com', 'login')
    const wrong = code === '000000' ? '000001' : '000000'
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.checkCode('ann@example.com', 'login', wrong)))
    expect(results.every(r => !r.ok)).toBe(true)
    // Even the right code is refused now: the attempts were all counted.
    expect((await codes.checkCode('ann@example.com', 'login', code)).ok).toBe(false)
  })

  it('a new code replaces the old one', async () => {
    const { codes } = store()
    const first = await codes.issue('ann@example.com', 'verify')
    const second = await codes.issue('ann@example.com', 'verify')
    if (first.code !== second.code) expect((await codes.checkCode('ann@example.com', 'verify', first.code)).ok).toBe(false)
    expect((await codes.checkLink('verify', first.token)).ok).toBe(false)
    expect((await codes.checkLink('verify', second.token)).ok).toBe(true)
  })

  it('link tokens confirm once, and tampered tokens fail', async () => {
    const { codes } = store()
    const { token } = await codes.issue('ann@example.com', 'reset')
    const [id, secret] = token.split('.') as [string, string]
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    expect((await codes.checkLink('reset', tampered)).ok).toBe(false)
    expect((await codes.checkLink('reset', 'garbage')).ok).toBe(false)
    expect(await codes.checkLink('reset', token)).toEqual({ ok: true, email: 'ann@example.com' })
    expect((await codes.checkLink('reset', token)).ok).toBe(false)
  })
})
