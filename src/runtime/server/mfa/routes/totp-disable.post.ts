import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { readCredentialsBody } from '../../password/request'
import { disableFactors, provider } from '../factors'
import { factorInput, limitMfaIp, limitMfaUser, tokenUser } from '../request'

/**
 * POST {authPath}/mfa/totp/disable (Bearer) `{ code }` or `{ recoveryCode }` → `{ status: 'disabled' }`:
 * needs a fresh factor (a code not used before), not only the access token.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const input = factorInput(body)
  await limitMfaIp(event)
  const user = await tokenUser(event)
  await limitMfaUser(event, user.sub)
  await disableFactors(event, user, input)
  return { status: 'disabled' }
}))
