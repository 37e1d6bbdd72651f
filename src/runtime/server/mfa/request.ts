import type { H3Event } from 'h3'
import { AegisError } from '../core/errors'
import { getAuthUser } from '../utils/auth'
import { limitIp, limitSubjects } from '../password/request'
import type { AegisUser } from '../../types'
import { canonicalRecoveryCode } from './recovery'
import { isTotpCode } from './totp'
import { useMfaServices } from './services'
import type { FactorInput } from './factors'
import type { MfaUser } from './types'

/** `{ code }` (6 digits) or `{ recoveryCode }`; 400 otherwise. */
export function factorInput(body: Record<string, unknown>): FactorInput {
  if (body.code !== undefined) {
    if (!isTotpCode(body.code)) throw new AegisError(400, 'invalid_request', '"code" must be 6 digits')
    return { code: body.code }
  }
  if (!canonicalRecoveryCode(body.recoveryCode)) throw new AegisError(400, 'invalid_request', '"code" or "recoveryCode" missing or malformed')
  return { recoveryCode: body.recoveryCode as string }
}

const rules = () => {
  const { perUser, perIp } = useMfaServices().config.rateLimit
  return { perEmail: perUser, perIp }
}

/** The per-IP limit of code entry: first, before anything about a user is read. */
export const limitMfaIp = (event: H3Event) => limitIp(event, 'mfa', rules())

/** The per-user limit of code entry (login step, confirmation, disabling share it). */
export const limitMfaUser = (event: H3Event, sub: string) => limitSubjects(event, 'mfa', rules(), [`user:${sub}`])

/** Whose factors: the user of a token or a pending login. */
export function mfaUser(user: Pick<AegisUser, 'sub' | 'provider' | 'email'>): MfaUser {
  return { sub: user.sub, provider: String(user.provider ?? ''), ...(typeof user.email === 'string' ? { email: user.email } : {}) }
}

/** The user of the request's access token; 401 `unauthorized` (as JSON of this route) without a valid one. */
export async function tokenUser(event: H3Event): Promise<MfaUser> {
  let user
  try {
    user = await getAuthUser(event)
  }
  catch {
    throw new AegisError(401, 'unauthorized', 'second-factor route without a valid access token')
  }
  // An impersonator must not enrol, see or remove the user's factors (they would outlive the impersonation).
  if ((user as Record<string, unknown>).act !== undefined) throw new AegisError(403, 'impersonation_not_allowed', 'second factors cannot be managed while impersonating')
  return mfaUser(user)
}
