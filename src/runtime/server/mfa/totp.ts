import { Secret, TOTP } from 'otpauth'
import { renderSVG } from 'uqr'

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30 s steps. */
const PERIOD = 30
const DIGITS = 6

/** A new random secret (160 bits, RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

function totp(secret: string, issuer = '', label = 'OTPAuth'): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD })
}

/** The `otpauth://totp/...` URI authenticator apps scan, and the same as an SVG QR code. */
export function enrolmentUri(secret: string, issuer: string, label: string): { uri: string, qr: string } {
  const uri = totp(secret, issuer, label).toString()
  return { uri, qr: renderSVG(uri, { ecc: 'M', border: 2 }) }
}

/** True for a well-formed code: exactly 6 digits. */
export const isTotpCode = (value: unknown): value is string => typeof value === 'string' && /^\d{6}$/.test(value)

/**
 * The time step a code belongs to when it is valid at `now` within ±1 step, else undefined.
 * The caller refuses steps at or below the last one accepted (each code works once).
 */
export function totpStep(secret: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: 1 })
  return delta === null ? undefined : TOTP.counter({ period: PERIOD, timestamp: now }) + delta
}

/** The code of `secret` at `now` (tests, and the playground's helper). */
export function totpCode(secret: string, now = Date.now()): string {
  return totp(secret).generate({ timestamp: now })
}
