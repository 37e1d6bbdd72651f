import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { pooledRandomBytes } from './random'

/** `bytes` random bytes as base64url (32 bytes = 256 bits = 43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  if (ab.length !== bb.length) return false
  return timingSafeEqual(ab, bb)
}

/** A short, non-reversible tag for logs: never log a secret or a prefix of one. */
export function fingerprint(value: string): string {
  return sha256(`nuxt-aegis:fp:${value}`).slice(0, 12)
}

/** Derive a 32-byte key for one purpose from a secret with HKDF-SHA256. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), `nuxt-aegis:${purpose}`, 32))
}

/**
 * AES-256-GCM seal: `v1.<iv>.<ciphertext>.<tag>` (base64url parts). `aad` binds the
 * ciphertext to its context (a cookie name, a storage key) so it cannot be moved.
 */
export function seal(key: Buffer, plaintext: string, aad = ''): string {
  const iv = pooledRandomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.')
}

/** Opens what `seal` made; undefined when malformed, tampered or sealed with another key or aad. */
export function unseal(key: Buffer, sealed: string, aad = ''): string | undefined {
  const parts = sealed.split('.')
  if (parts.length !== 4 || parts[0] !== 'v1') return undefined
  try {
    const iv = Buffer.from(parts[1]!, 'base64url')
    const tag = Buffer.from(parts[3]!, 'base64url')
    if (iv.length !== 12 || tag.length !== 16) return undefined
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(Buffer.from(aad))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(parts[2]!, 'base64url')), decipher.final()]).toString('utf8')
  }
  catch {
    return undefined
  }
}

/** PKCE S256 code challenge of a verifier (RFC 7636 §4.2): exactly base64url(SHA-256). */
export const pkceChallenge: (verifier: string) => string = sha256
