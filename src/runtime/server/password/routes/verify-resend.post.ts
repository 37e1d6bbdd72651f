import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { readCredentialsBody, rateLimit } from '../request'
import { usePasswordServices } from '../services'
import { emailField, findAccount, provider, sendCode } from '../flow'

/** POST {authPath}/password/verify/resend `{ email }` → 202 `{ status: 'accepted' }` always; a code goes out only to an unverified account. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  await rateLimit(event, 'send', usePasswordServices().config.rateLimit.send, email)
  const account = await findAccount(event, email)
  if (account && !account.emailVerified) await sendCode(event, email, 'verify')
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
