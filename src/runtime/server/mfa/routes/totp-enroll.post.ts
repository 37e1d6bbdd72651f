import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { readCredentialsBody } from '../../password/request'
import { provider, startEnrolment } from '../factors'
import { tokenUser } from '../request'

/**
 * POST {authPath}/mfa/totp/enroll (Bearer) → `{ uri, qr, secret, expiresIn }`: a new TOTP
 * secret for the logged-in user, kept server-side until `/mfa/totp/confirm`; 409
 * `mfa_already_enabled` when a factor is active (disable it first, with a code).
 */
export default defineEventHandler(event => withErrors(event, async () => {
  await readCredentialsBody(event)
  provider()
  const user = await tokenUser(event)
  return startEnrolment(event, user)
}))
