import { describe, expect, it, vi } from 'vitest'
import { accountUser, checkAccountPassword, normalizeEmail, userFromProfile } from '../../src/runtime/server/password/account'
import { policyProblem } from '../../src/runtime/server/password/policy'

describe('[PWD-2] unknown email and wrong password take the same path', () => {
  const DUMMY = '$scrypt$dummy'
  const deps = () => ({ verify: vi.fn(async (password: string, hash: string) => hash === 'real-hash' && password === 'right'), dummyHash: vi.fn(async () => DUMMY) })

  it('verifies against the dummy hash when there is no account', async () => {
    const d = deps()
    expect(await checkAccountPassword(null, 'right', d)).toBe(false)
    expect(d.verify).toHaveBeenCalledTimes(1)
    expect(d.verify).toHaveBeenCalledWith('right', DUMMY)
  })

  it('verifies against the dummy hash when the account has no password', async () => {
    const d = deps()
    expect(await checkAccountPassword({ id: '1', email: 'a@b.c', passwordHash: null }, 'right', d)).toBe(false)
    expect(d.verify).toHaveBeenCalledWith('right', DUMMY)
  })

  it('verifies against the stored hash otherwise, once', async () => {
    const d = deps()
    expect(await checkAccountPassword({ id: '1', email: 'a@b.c', passwordHash: 'real-hash' }, 'wrong', d)).toBe(false)
    expect(await checkAccountPassword({ id: '1', email: 'a@b.c', passwordHash: 'real-hash' }, 'right', d)).toBe(true)
    expect(d.verify).toHaveBeenCalledTimes(2)
    expect(d.dummyHash).not.toHaveBeenCalled()
  })

  it('never counts a dummy-hash match as a login', async () => {
    const d = { verify: vi.fn(async () => true), dummyHash: vi.fn(async () => DUMMY) }
    expect(await checkAccountPassword(undefined, 'anything', d)).toBe(false)
  })
})

describe('[PWD-5] no password or hash in the user', () => {
  it('accountUser keeps profile fields and drops every secret-looking field', () => {
    const user = accountUser({ id: 'u1', email: 'Ann@Example.com', passwordHash: '$scrypt$x', emailVerified: true, name: 'Ann', role: 'admin', password: 'p', salt: 's', resetToken: 't', nested: { a: 1 } })
    expect(user).toEqual({ sub: 'u1', provider: 'password', email: 'Ann@Example.com', email_verified: true, name: 'Ann', role: 'admin' })
  })

  it('userFromProfile (credentials handlers) drops them too and requires a subject', () => {
    expect(userFromProfile({ sub: 'x', hashedPassword: 'h', password_hash: 'h', secret: 's' }, 'credentials')).toEqual({ sub: 'x', provider: 'credentials' })
    expect(() => userFromProfile({ email: 'a@b.c' }, 'credentials')).toThrow()
  })
})

describe('[PWD-6] input', () => {
  it('normalizes emails and refuses non-emails', () => {
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com')
    for (const bad of ['', 'ann', 'a b@c.d', `${'a'.repeat(65)}@x.y`, 42, null, ['a@b.c']]) expect(normalizeEmail(bad)).toBeUndefined()
  })

  it('password policy: length bounds and not the email', () => {
    const policy = { minLength: 8, maxLength: 16 }
    expect(policyProblem('short', { email: 'a@b.c' }, policy)).toMatch(/at least 8/)
    expect(policyProblem('x'.repeat(17), { email: 'a@b.c' }, policy)).toMatch(/at most 16/)
    expect(policyProblem('ann@example.com', { email: 'ann@example.com' }, { minLength: 8, maxLength: 64 })).toMatch(/email/)
    expect(policyProblem('long enough', { email: 'a@b.c' }, policy)).toBeUndefined()
    // Code points, not UTF-16 units.
    expect(policyProblem('😀😀😀😀😀😀😀😀', { email: 'a@b.c' }, policy)).toBeUndefined()
  })
})
