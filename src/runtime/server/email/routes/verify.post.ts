import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { accountUser } from '../../password/account'
import { readCredentialsBody, stringField } from '../../password/request'
import { signIn } from '../../credentials/signin'
import { codeField, emailField, provider, verifyEmailLogin } from '../flow'

/**
 * POST {authPath}/email/verify `{ email, code }` or `{ token }` (the link's page POSTs it, so a
 * mail scanner that only GETs the link signs nobody in) → the token response and refresh cookie;
 * 400 `invalid_verification_code` for a wrong, used, expired or foreign code alike.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  const app = provider()
  const input = body.token !== undefined ? { token: stringField(body, 'token', 200) } : { email: emailField(body), code: codeField(body) }
  const account = await verifyEmailLogin(event, input)
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  // The code proved the mailbox of the stored address.
  const user = { ...accountUser(account, 'email'), email_verified: true }
  return signIn(event, 'email', user, app.customClaims, { amr: ['otp'] })
}))
