import type { TokenResponse } from '../../types'
import type { AuthClient } from '../client'

/**
 * Second factors (`mfa`): the login step and TOTP enrolment. A lazy chunk: `useAuth().mfa`
 * loads it on first use (the QR code is rendered by the server: no QR library in the browser).
 */

/** What a login of a user with a second factor answers instead of tokens (HTTP 202). */
export interface MfaStep {
  status: 'mfa_required'
  stepToken: string
  methods: string[]
  expiresIn: number
}

/** A started TOTP enrolment: the `otpauth://` URI, the same as an SVG QR code, the base32 secret for manual entry. */
export interface TotpEnrolment {
  uri: string
  qr: string
  secret: string
  expiresIn: number
}

export type MfaFactor = { code: string } | { recoveryCode: string }

export function isMfaStep(answer: unknown): answer is MfaStep {
  return typeof answer === 'object' && answer !== null && (answer as MfaStep).status === 'mfa_required' && typeof (answer as MfaStep).stepToken === 'string'
}

/**
 * `POST <authPath>/mfa/verify` (with the step's HttpOnly cookie, which the browser sends): finishes
 * the pending login with a code or a recovery code; the answer has the login's `redirectTo`.
 */
export function verifyMfa(client: AuthClient, authPath: string, stepToken: string, factor: MfaFactor): Promise<TokenResponse> {
  return client.signIn<TokenResponse>(`${authPath}/mfa/verify`, { stepToken, ...factor })
}

/** A typed code as the factor it is: 6 digits (spaces ignored) are an authenticator code, anything else a recovery code. */
export function typedFactor(value: string): MfaFactor {
  const digits = value.replace(/\s/g, '')
  return /^\d{6}$/.test(digits) ? { code: digits } : { recoveryCode: value.trim() }
}

/** What the code form shows for a failed `verify`: the fixed reason, never the server's text. */
export type MfaFailure = 'invalid_code' | 'expired' | 'too_many_attempts' | 'failed'

export function mfaFailure(error: unknown): MfaFailure {
  const failure = error as { statusCode?: number, status?: number, data?: { error?: unknown } } | null
  const status = failure?.statusCode ?? failure?.status ?? 0
  const code = failure?.data?.error
  if (status === 429) return 'too_many_attempts'
  if (code === 'invalid_mfa_step') return 'expired'
  if (code === 'invalid_mfa_code' || code === 'invalid_request') return 'invalid_code'
  return 'failed'
}

/** The TOTP routes for the logged-in user (the access token goes with `client.fetch`). */
export function enrollTotp(client: AuthClient, authPath: string): Promise<TotpEnrolment> {
  return client.fetch<TotpEnrolment>(`${authPath}/mfa/totp/enroll`, { method: 'POST', body: {} })
}

export function confirmTotp(client: AuthClient, authPath: string, code: string): Promise<{ recoveryCodes: string[] }> {
  return client.fetch<{ recoveryCodes: string[] }>(`${authPath}/mfa/totp/confirm`, { method: 'POST', body: { code } })
}

export async function disableTotp(client: AuthClient, authPath: string, factor: MfaFactor): Promise<void> {
  await client.fetch(`${authPath}/mfa/totp/disable`, { method: 'POST', body: { ...factor } })
}

export function mfaStatus(client: AuthClient, authPath: string): Promise<{ totp: boolean, recoveryCodes: number }> {
  return client.fetch<{ totp: boolean, recoveryCodes: number }>(`${authPath}/mfa/status`)
}
