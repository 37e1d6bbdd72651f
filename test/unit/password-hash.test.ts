import { describe, expect, it } from 'vitest'
import { hashPassword, parseHash, passwordNeedsRehash, scryptParams, verifyPassword } from '../../src/runtime/server/password/hash'

/** Small parameters keep the unit tests fast; the format and checks are the same. */
const FAST = { cost: 1024, blockSize: 8, parallelization: 1 }

describe('[PWD-1] scrypt password hashes', () => {
  it('hashes to a self-describing string with a random salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery', FAST)
    const b = await hashPassword('correct horse battery', FAST)
    expect(a).toMatch(/^\$scrypt\$v=1\$n=1024,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/)
    expect(a).not.toBe(b)
    expect(a).not.toContain('correct')
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterY', a)).toBe(false)
    expect(await verifyPassword('', a)).toBe(false)
  })

  it('verifies with the parameters stored in the hash, not the current ones', async () => {
    const old = await hashPassword('pw-1234567', { cost: 2048, blockSize: 4, parallelization: 2, keyLength: 64, saltLength: 32 })
    expect(parseHash(old)).toMatchObject({ cost: 2048, blockSize: 4, parallelization: 2 })
    expect(await verifyPassword('pw-1234567', old)).toBe(true)
  })

  it('normalizes Unicode (NFKC) so the same password typed differently verifies', async () => {
    const hash = await hashPassword('caf\u00E9-password', FAST)
    expect(await verifyPassword('cafe\u0301-password', hash)).toBe(true)
  })

  it('refuses malformed, foreign and out-of-bounds hashes without throwing', async () => {
    const good = await hashPassword('secret-pass', FAST)
    for (const bad of ['', 'plain', '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012', good.replace('n=1024', 'n=1000'),
      good.replace('n=1024', `n=${2 ** 24}`), good.replace('r=8', 'r=999'), good.replace(/\$[\w-]{43}$/, '$short'), null, 42]) {
      expect(await verifyPassword('secret-pass', bad as string)).toBe(false)
    }
  })

  it('never hashes or verifies an over-long password (bounded work)', async () => {
    const long = 'x'.repeat(1025)
    await expect(hashPassword(long, FAST)).rejects.toThrow(RangeError)
    expect(await verifyPassword(long, await hashPassword('x'.repeat(1024), FAST))).toBe(false)
  })

  it('passwordNeedsRehash is true when parameters changed or the hash is not scrypt', async () => {
    const hash = await hashPassword('pw-abcdefgh', FAST)
    expect(passwordNeedsRehash(hash, FAST)).toBe(false)
    expect(passwordNeedsRehash(hash, { ...FAST, cost: 2048 })).toBe(true)
    expect(passwordNeedsRehash(hash, { ...FAST, keyLength: 64 })).toBe(true)
    expect(passwordNeedsRehash('$2b$10$whatever', FAST)).toBe(true)
  })

  it('rejects invalid parameters with a message naming them', () => {
    expect(() => scryptParams({ cost: 1000 })).toThrow(/cost/)
    expect(() => scryptParams({ blockSize: 0 })).toThrow(/blockSize/)
    expect(() => scryptParams({ keyLength: 8 })).toThrow(/keyLength/)
    expect(scryptParams({})).toEqual({ cost: 32768, blockSize: 8, parallelization: 3, keyLength: 32, saltLength: 16 })
    // Env overrides arrive as strings.
    expect(scryptParams({ cost: '4096' as unknown as number }).cost).toBe(4096)
  })
})
