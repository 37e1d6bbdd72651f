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

/** `POST <authPath>/mfa/verify`: finishes the pending login with a code or a recovery code. */
export async function verifyMfa(client: AuthClient, authPath: string, stepToken: string, factor: MfaFactor): Promise<void> {
  await client.signIn(`${authPath}/mfa/verify`, { stepToken, ...factor })
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
