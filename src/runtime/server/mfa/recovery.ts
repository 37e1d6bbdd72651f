import { randomInt } from 'node:crypto'
import { safeEqual, sha256 } from '../core/crypto'

/** 31 unambiguous letters and digits (no 0/O, 1/I/L), as the password reset codes. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
/** 16 characters: about 2^79, so a plain salted hash is enough (no key to rotate, no slow hash to run ten times). */
const LENGTH = 16
export const RECOVERY_CODE_COUNT = 10

/** Ten new codes, shown once as `XXXX-XXXX-XXXX-XXXX`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(0, ALPHABET.length)]).join('')
    return raw.match(/.{4}/g)!.join('-')
  })
}

/** The canonical form of a typed recovery code (any case, spaces and dashes ignored), or undefined. */
export function canonicalRecoveryCode(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined
  const code = value.replace(/[\s-]/g, '').toUpperCase()
  return code.length === LENGTH && [...code].every(char => ALPHABET.includes(char)) ? code : undefined
}

/** The stored form of a code: a hash salted with the user, so equal codes of two users differ. */
export function hashRecoveryCode(sub: string, code: string): string {
  return sha256(`nuxt-aegis:recovery:${sub}:${canonicalRecoveryCode(code) ?? ''}`)
}

/** The stored hashes without the one of `code`, or undefined when `code` is none of them. */
export function spendRecoveryCode(sub: string, hashes: readonly string[], code: string): string[] | undefined {
  const hash = hashRecoveryCode(sub, code)
  let found = -1
  // Compare against every hash: the time does not tell which one matched.
  hashes.forEach((stored, index) => {
    if (typeof stored === 'string' && safeEqual(stored, hash) && found === -1) found = index
  })
  return found === -1 ? undefined : hashes.filter((_, index) => index !== found)
}
