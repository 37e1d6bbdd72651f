import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { RESET_CODE_ALPHABET, RESET_CODE_LENGTH, canonicalCode, createVerificationStore } from '../../src/runtime/server/password/verification'

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop'
/** An account's code subject and its stored address. */
const ANN = { id: 'account:ann-1', email: 'Ann@Example.com' }

function store(overrides: { now?: () => number, maxAttempts?: number } = {}) {
  const storage = createStorage()
  return { storage, codes: createVerificationStore(storage, { secret: SECRET, ttl: 600, maxAttempts: overrides.maxAttempts ?? 5, digits: 6, now: overrides.now }) }
}

describe('[PWD-4] verification codes', () => {
  it('issues a 6-digit code and a long link token, stored only as HMACs', async () => {
    const { storage, codes } = store()
    const issued = await codes.issue(ANN, 'verify')
    expect(issued.code).toMatch(/^\d{6}$/)
    expect(issued.token).toMatch(/^[\w-]{43}\.[\w-]{22}\.[\w-]{43}$/)
    const dump = JSON.stringify(await Promise.all((await storage.getKeys()).map(async k => [k, await storage.getItem(k)])))
    expect(dump).not.toContain(issued.code)
    expect(dump).not.toContain(issued.token.split('.')[2])
  })

  it('is single use', async () => {
    const { codes } = store()
    const { code } = await codes.issue(ANN, 'verify')
    expect(await codes.checkCode(ANN.id, 'verify', code)).toEqual({ ok: true, subject: ANN.id, email: 'Ann@Example.com' })
    expect(await codes.checkCode(ANN.id, 'verify', code)).toEqual({ ok: false })
  })

  it('is bound to the email and the purpose', async () => {
    const { codes } = store()
    const { code, token } = await codes.issue(ANN, 'reset')
    expect((await codes.checkCode('account:bob', 'reset', code)).ok).toBe(false)
    expect((await codes.checkCode(ANN.id, 'verify', code)).ok).toBe(false)
    expect((await codes.checkCode(ANN.id, 'login', code)).ok).toBe(false)
    expect((await codes.checkLink('verify', token)).ok).toBe(false)
    expect(await codes.checkCode(ANN.id, 'reset', code)).toEqual({ ok: true, subject: ANN.id, email: 'Ann@Example.com' })
  })

  it('expires', async () => {
    let t = 0
    const { codes } = store({ now: () => t })
    const { code } = await codes.issue(ANN, 'login')
    t = 600_000
    expect((await codes.checkCode(ANN.id, 'login', code)).ok).toBe(false)
  })

  it('dies after maxAttempts wrong entries, counted atomically under parallel guesses', async () => {
    const { codes } = store({ maxAttempts: 5 })
    const { code } = await codes.issue(ANN, 'login')
    const wrong = code === '000000' ? '000001' : '000000'
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.checkCode(ANN.id, 'login', wrong)))
    expect(results.every(r => !r.ok)).toBe(true)
    // Even the right code is refused now: the attempts were all counted.
    expect((await codes.checkCode(ANN.id, 'login', code)).ok).toBe(false)
  })

  it('a new code replaces the old one', async () => {
    const { codes } = store()
    const first = await codes.issue(ANN, 'verify')
    const second = await codes.issue(ANN, 'verify')
    if (first.code !== second.code) expect((await codes.checkCode(ANN.id, 'verify', first.code)).ok).toBe(false)
    expect((await codes.checkLink('verify', first.token)).ok).toBe(false)
    expect((await codes.checkLink('verify', second.token)).ok).toBe(true)
  })

  it('link tokens confirm once, and tampered tokens fail', async () => {
    const { codes } = store()
    const { token } = await codes.issue(ANN, 'reset')
    const [id, secret] = token.split('.') as [string, string]
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    expect((await codes.checkLink('reset', tampered)).ok).toBe(false)
    expect((await codes.checkLink('reset', 'garbage')).ok).toBe(false)
    expect(await codes.checkLink('reset', token)).toEqual({ ok: true, subject: ANN.id, email: 'Ann@Example.com' })
    expect((await codes.checkLink('reset', token)).ok).toBe(false)
  })
})

describe('[PWD-12] reset codes are long enough that guessing is hopeless', () => {
  it('reset codes are 10 characters from 31 unambiguous letters and digits; the other codes stay digits', async () => {
    const { codes } = store()
    const seen = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const { code } = await codes.issue({ id: `account:r${i}`, email: 'r@example.com' }, 'reset')
      expect(code).toMatch(new RegExp(`^[${RESET_CODE_ALPHABET}]{${RESET_CODE_LENGTH}}$`))
      seen.add(code)
    }
    expect(seen.size).toBe(50)
    expect(RESET_CODE_ALPHABET).toHaveLength(31)
    expect((await codes.issue(ANN, 'verify')).code).toMatch(/^\d{6}$/)
  })

  it('typed reset codes may use any case, spaces and dashes; malformed ones are refused before any check', () => {
    expect(canonicalCode('abcd-efgh 23', 'reset', 6)).toBe('ABCDEFGH23')
    for (const bad of ['ABCDEFGH2', 'ABCDEFGH234', 'ABCDEFGH2O', '0123456789', 12345678, undefined, 'A'.repeat(70)]) expect(canonicalCode(bad, 'reset', 6)).toBeUndefined()
    expect(canonicalCode('123456', 'verify', 6)).toBe('123456')
    expect(canonicalCode('12345a', 'login', 6)).toBeUndefined()
    expect(canonicalCode('ABCDEFGH23', 'verify', 6)).toBeUndefined()
  })

  it('a typed reset code is checked in its canonical form', async () => {
    const { codes } = store()
    const { code } = await codes.issue(ANN, 'reset')
    const typed = `${code.slice(0, 5).toLowerCase()}-${code.slice(5)}`
    expect((await codes.checkCode(ANN.id, 'reset', canonicalCode(typed, 'reset', 6)!)).ok).toBe(true)
  })
})

describe('[PWD-13] codes are keyed by account and carry what they were issued for', () => {
  it('a code of one account is not a code of another, whatever address either has', async () => {
    const { codes } = store()
    const { code } = await codes.issue({ id: 'account:victim', email: 'victim@example.com' }, 'reset')
    expect((await codes.checkCode('email:victim@exámple.com', 'reset', code)).ok).toBe(false)
    expect(await codes.checkCode('account:victim', 'reset', code)).toEqual({ ok: true, subject: 'account:victim', email: 'victim@example.com' })
  })

  it('the binding given at issue comes back with a successful check, by code and by link', async () => {
    const { codes } = store()
    const byCode = await codes.issue(ANN, 'verify', 'hash-fingerprint-1')
    expect(await codes.checkCode(ANN.id, 'verify', byCode.code)).toMatchObject({ ok: true, bind: 'hash-fingerprint-1' })
    const byLink = await codes.issue(ANN, 'verify', 'hash-fingerprint-2')
    expect(await codes.checkLink('verify', byLink.token)).toMatchObject({ ok: true, bind: 'hash-fingerprint-2' })
  })
})

describe('[EML-6] wrong link secrets have a budget of their own (a stable link id cannot burn the typed code)', () => {
  /** The link of `token` with another secret: what someone holding an older link of the account can send. */
  const wrongSecret = (token: string, n: number) => `${token.split('.').slice(0, -1).join('.')}.${String(n).padStart(43, 'x')}`

  it('wrong link secrets up to the budget leave both the code and the link working', async () => {
    const { codes } = store({ maxAttempts: 5 })
    const first = await codes.issue(ANN, 'email')
    for (let i = 0; i < 4; i++) expect((await codes.checkLink('email', wrongSecret(first.token, i))).ok).toBe(false)
    expect((await codes.checkLink('email', first.token)).ok).toBe(true)
    const second = await codes.issue(ANN, 'email')
    for (let i = 0; i < 4; i++) expect((await codes.checkLink('email', wrongSecret(second.token, i))).ok).toBe(false)
    expect((await codes.checkCode(ANN.id, 'email', second.code)).ok).toBe(true)
  })

  it('link guessing is bounded: after maxAttempts wrong secrets even the right link fails, but the typed code still works', async () => {
    const { codes } = store({ maxAttempts: 5 })
    const { code, token } = await codes.issue(ANN, 'email')
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => codes.checkLink('email', wrongSecret(token, i))))
    expect(results.every(r => !r.ok)).toBe(true)
    expect((await codes.checkLink('email', token)).ok).toBe(false)
    expect(await codes.checkCode(ANN.id, 'email', code)).toMatchObject({ ok: true, subject: ANN.id })
  })

  it('wrong typed codes spend the code only: the link still works; the record goes once both budgets are spent', async () => {
    const { storage, codes } = store({ maxAttempts: 2 })
    const first = await codes.issue(ANN, 'email')
    const wrong = first.code === '000000' ? '000001' : '000000'
    for (let i = 0; i < 2; i++) await codes.checkCode(ANN.id, 'email', wrong)
    expect((await codes.checkCode(ANN.id, 'email', first.code)).ok).toBe(false)
    expect((await codes.checkLink('email', first.token)).ok).toBe(true)

    const second = await codes.issue(ANN, 'email')
    const wrong2 = second.code === '000000' ? '000001' : '000000'
    for (let i = 0; i < 2; i++) await codes.checkCode(ANN.id, 'email', wrong2)
    expect(await storage.getKeys()).toHaveLength(1)
    for (let i = 0; i < 2; i++) await codes.checkLink('email', wrongSecret(second.token, i))
    expect(await storage.getKeys()).toEqual([])
  })

  it('wrong secrets on the link of an older mail count nothing: the newest link still works after any number of them', async () => {
    const { codes } = store({ maxAttempts: 5 })
    const old = await codes.issue(ANN, 'email')
    const current = await codes.issue(ANN, 'email')
    expect(old.token.split('.')[0]).toBe(current.token.split('.')[0])
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => codes.checkLink('email', wrongSecret(old.token, i))))
    expect(results.every(r => !r.ok)).toBe(true)
    // The old link itself (right secret of an older mail) is refused too, without counting.
    expect((await codes.checkLink('email', old.token)).ok).toBe(false)
    expect(await codes.checkLink('email', current.token)).toMatchObject({ ok: true, subject: ANN.id })
  })

  it('a link without a mail id is refused for a record that has one, without counting', async () => {
    const { codes } = store({ maxAttempts: 1 })
    const { token } = await codes.issue(ANN, 'email')
    const [id, , secret] = token.split('.')
    for (let i = 0; i < 3; i++) expect((await codes.checkLink('email', `${id}.${secret}`)).ok).toBe(false)
    expect((await codes.checkLink('email', token)).ok).toBe(true)
  })

  it('a record written before mail ids takes its link without one', async () => {
    const { storage, codes } = store()
    const { token } = await codes.issue(ANN, 'email')
    const [id, , secret] = token.split('.')
    const [key] = await storage.getKeys()
    const record = await storage.getItem<Record<string, unknown>>(key!)
    delete record!.mail
    await storage.setItem(key!, record)
    expect((await codes.checkLink('email', token)).ok).toBe(false)
    expect((await codes.checkLink('email', `${id}.${secret}`)).ok).toBe(true)
  })
})
