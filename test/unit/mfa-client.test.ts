import { describe, expect, it } from 'vitest'
import { isMfaStep, mfaFailure, typedFactor } from '../../src/runtime/app/lazy/mfa'

describe('[MFA-4] the callback page\'s code form (lazy/mfa)', () => {
  it('reads 6 digits as an authenticator code and anything else as a recovery code', () => {
    expect(typedFactor(' 123 456 ')).toEqual({ code: '123456' })
    expect(typedFactor('abcd-EFGH-2345-6789 ')).toEqual({ recoveryCode: 'abcd-EFGH-2345-6789' })
    expect(typedFactor('12345')).toEqual({ recoveryCode: '12345' })
  })

  it('maps a refused verify to a fixed reason, never to the server\'s text', () => {
    expect(mfaFailure({ statusCode: 400, data: { error: 'invalid_mfa_code', message: '<b>x</b>' } })).toBe('invalid_code')
    expect(mfaFailure({ statusCode: 400, data: { error: 'invalid_request' } })).toBe('invalid_code')
    expect(mfaFailure({ statusCode: 400, data: { error: 'invalid_mfa_step' } })).toBe('expired')
    expect(mfaFailure({ statusCode: 429, data: { error: 'too_many_requests' } })).toBe('too_many_attempts')
    expect(mfaFailure({ statusCode: 503, data: { error: 'storage_unavailable' } })).toBe('failed')
    expect(mfaFailure(new TypeError('network'))).toBe('failed')
    expect(mfaFailure(null)).toBe('failed')
  })

  it('recognises the step answer of POST /token and nothing else', () => {
    expect(isMfaStep({ status: 'mfa_required', stepToken: 'x'.repeat(43), methods: ['totp'], expiresIn: 300 })).toBe(true)
    expect(isMfaStep({ token: 'a.b.c', tokenType: 'Bearer', expiresIn: 60 })).toBe(false)
    expect(isMfaStep({ status: 'mfa_required' })).toBe(false)
  })
})
