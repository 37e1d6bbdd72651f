import { describe, expect, it } from 'vitest'
import { deriveKey, fingerprint, pkceChallenge, randomToken, safeEqual, seal, sha256, unseal } from '../../src/runtime/server/core/crypto'

const key = deriveKey('a-test-secret-that-is-long-enough-123456', 'test')

/** Flips one bit in the base64url part `index` of a sealed value. */
function flip(sealed: string, index: number): string {
  const parts = sealed.split('.')
  const bytes = Buffer.from(parts[index]!, 'base64url')
  bytes[0] = bytes[0]! ^ 1
  parts[index] = bytes.toString('base64url')
  return parts.join('.')
}

describe('[LOGIN-1] seal / unseal (AES-256-GCM)', () => {
  it('round-trips, also with aad and unicode', () => {
    expect(unseal(key, seal(key, 'hello'))).toBe('hello')
    expect(unseal(key, seal(key, 'Zoë 😀 ✓', 'ctx'), 'ctx')).toBe('Zoë 😀 ✓')
    expect(unseal(key, seal(key, ''))).toBe('')
  })

  it('has the v1.<iv>.<ciphertext>.<tag> shape and a random IV per seal', () => {
    const a = seal(key, 'same plaintext')
    const b = seal(key, 'same plaintext')
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/)
    expect(a).not.toBe(b)
    expect(a.split('.')[1]).not.toBe(b.split('.')[1])
    expect(a).not.toContain(Buffer.from('same plaintext').toString('base64url'))
  })

  it('refuses a tampered iv, ciphertext or tag', () => {
    const sealed = seal(key, 'secret payload')
    expect(unseal(key, flip(sealed, 1))).toBeUndefined()
    expect(unseal(key, flip(sealed, 2))).toBeUndefined()
    expect(unseal(key, flip(sealed, 3))).toBeUndefined()
  })

  it('refuses another key or another aad', () => {
    const sealed = seal(key, 'secret payload', 'cookie-a')
    expect(unseal(deriveKey('a-test-secret-that-is-long-enough-123456', 'other purpose'), sealed, 'cookie-a')).toBeUndefined()
    expect(unseal(deriveKey('another-secret-that-is-long-enough-12345', 'test'), sealed, 'cookie-a')).toBeUndefined()
    expect(unseal(key, sealed, 'cookie-b')).toBeUndefined()
    expect(unseal(key, sealed)).toBeUndefined()
  })

  it('returns undefined for malformed input, never throws', () => {
    const [, iv, data, tag] = seal(key, 'x').split('.')
    for (const bad of ['', 'v1', 'v1...', 'garbage', `v2.${iv}.${data}.${tag}`, `v1.${iv}.${data}`, `v1.${iv}.${data}.${tag}.x`, `v1.AAAA.${data}.${tag}`, `v1.${iv}.${data}.AAAA`, 'v1.!!!.@@@.###']) {
      expect(unseal(key, bad)).toBeUndefined()
    }
  })
})

describe('deriveKey (HKDF-SHA256)', () => {
  it('gives 32 bytes, deterministic per secret and purpose, separated by purpose', () => {
    expect(deriveKey('s'.repeat(32), 'a')).toHaveLength(32)
    expect(deriveKey('s'.repeat(32), 'a').equals(deriveKey('s'.repeat(32), 'a'))).toBe(true)
    expect(deriveKey('s'.repeat(32), 'a').equals(deriveKey('s'.repeat(32), 'b'))).toBe(false)
    expect(deriveKey('s'.repeat(32), 'a').equals(deriveKey('t'.repeat(32), 'a'))).toBe(false)
  })
})

describe('[LOGIN-1] pkceChallenge', () => {
  it('matches the RFC 7636 appendix B example', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })
})

describe('[CODE-1] [REF-1] randomToken', () => {
  it('has the base64url length of its byte count', () => {
    expect(randomToken()).toMatch(/^[\w-]{43}$/)
    expect(randomToken(32)).toHaveLength(43)
    expect(randomToken(16)).toHaveLength(22)
    expect(randomToken(12)).toHaveLength(16)
  })

  it('uses only the base64url alphabet, no padding, and does not repeat', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const token = randomToken()
      expect(token).toMatch(/^[\w-]+$/)
      seen.add(token)
    }
    expect(seen.size).toBe(200)
  })
})

describe('safeEqual', () => {
  it('compares content and length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('', '')).toBe(true)
    expect(safeEqual('abc', 'abd')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
    expect(safeEqual('abcd', 'abc')).toBe(false)
    expect(safeEqual('é', 'e')).toBe(false)
  })
})

describe('sha256 and fingerprint', () => {
  it('sha256 is base64url of the digest', () => {
    expect(sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
  })

  it('fingerprint is short, stable and not a prefix of the value or its plain hash', () => {
    const value = randomToken()
    expect(fingerprint(value)).toHaveLength(12)
    expect(fingerprint(value)).toBe(fingerprint(value))
    expect(value.startsWith(fingerprint(value))).toBe(false)
    expect(sha256(value).startsWith(fingerprint(value))).toBe(false)
  })
})
