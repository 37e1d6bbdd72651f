import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { accountToMail, passwordBinding, sendCode } from '../flow'

/** POST {authPath}/password/verify/resend `{ email }` → 202 `{ status: 'accepted' }` always; a code goes out only to an unverified account. */
export default defineEventHandler(event => withErrors(event, async () => {
  const account = await accountToMail(event)
  if (account && !account.emailVerified) await sendCode(event, account, 'verify', passwordBinding(account))
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
