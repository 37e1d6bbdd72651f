import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { readCredentialsBody } from '../../password/request'
import { confirmEnrolment, provider } from '../factors'
import { limitMfaIp, limitMfaUser, tokenUser } from '../request'
import { isTotpCode } from '../totp'

/**
 * POST {authPath}/mfa/totp/confirm (Bearer) `{ code }` → `{ recoveryCodes }` (ten, shown once):
 * the first valid code activates the enrolment; 400 `invalid_mfa_code` otherwise.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  if (!isTotpCode(body.code)) throw new AegisError(400, 'invalid_request', '"code" must be 6 digits')
  await limitMfaIp(event)
  const user = await tokenUser(event)
  await limitMfaUser(event, user.sub)
  return { recoveryCodes: await confirmEnrolment(event, user, body.code) }
}))
