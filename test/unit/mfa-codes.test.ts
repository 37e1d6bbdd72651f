import { describe, expect, it } from 'vitest'
import { enrolmentUri, isTotpCode, newTotpSecret, totpCode, totpStep } from '../../src/runtime/server/mfa/totp'
import { canonicalRecoveryCode, hashRecoveryCode, newRecoveryCodes, spendRecoveryCode } from '../../src/runtime/server/mfa/recovery'
import { totpCode as testAuthenticator } from '../support/totp'

describe('[MFA-1] TOTP (RFC 6238 through otpauth)', () => {
  it('makes 160-bit base32 secrets and an otpauth URI with issuer and label, and an SVG QR of it', () => {
    const secret = newTotpSecret()
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(secret)
    const { uri, qr } = enrolmentUri(secret, 'Acme', 'ann@example.com')
    const url = new URL(uri)
    expect(url.protocol).toBe('otpauth:')
    expect(url.host).toBe('totp')
    expect(decodeURIComponent(url.pathname)).toBe('/Acme:ann@example.com')
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ secret, issuer: 'Acme', algorithm: 'SHA1', digits: '6', period: '30' })
    expect(qr.startsWith('<svg')).toBe(true)
  })

  it('accepts a code within ±1 step and names its step; refuses 2 steps away and wrong codes', () => {
    const secret = newTotpSecret()
    const now = 1_900_000_000_000
    const step = Math.floor(now / 30_000)
    expect(totpStep(secret, totpCode(secret, now), now)).toBe(step)
    expect(totpStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1)
    expect(totpStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1)
    expect(totpStep(secret, totpCode(secret, now - 60_000), now)).toBeUndefined()
    expect(totpStep(secret, totpCode(secret, now + 60_000), now)).toBeUndefined()
    expect(totpStep(newTotpSecret(), totpCode(secret, now), now)).toBeUndefined()
    // The tests' authenticator agrees with the server.
    expect(testAuthenticator(secret, 0, now)).toBe(totpCode(secret, now))
  })

  it('takes exactly 6 digits', () => {
    expect(isTotpCode('123456')).toBe(true)
    for (const value of ['12345', '1234567', '12345a', ' 123456', 123456, null]) expect(isTotpCode(value)).toBe(false)
  })
})

describe('[MFA-1] recovery codes', () => {
  it('ten distinct codes of 16 unambiguous characters, typed in any case with or without dashes', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){3}$/)
    const [code] = codes
    expect(canonicalRecoveryCode(code!.toLowerCase().replace(/-/g, ' '))).toBe(code!.replace(/-/g, ''))
    expect(canonicalRecoveryCode('0000-0000-0000-0000')).toBeUndefined()
    expect(canonicalRecoveryCode(code!.slice(0, -1))).toBeUndefined()
  })

  it('stores salted hashes; a code is spent once and only for its user', () => {
    const codes = newRecoveryCodes()
    const hashes = codes.map(code => hashRecoveryCode('user-1', code))
    expect(hashes.join()).not.toContain(codes[0]!.replace(/-/g, ''))
    expect(hashRecoveryCode('user-2', codes[0]!)).not.toBe(hashes[0])
    const left = spendRecoveryCode('user-1', hashes, codes[3]!)
    expect(left).toHaveLength(9)
    expect(spendRecoveryCode('user-1', left!, codes[3]!)).toBeUndefined()
    expect(spendRecoveryCode('user-2', hashes, codes[3]!)).toBeUndefined()
  })
})
