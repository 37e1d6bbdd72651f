import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { accountToMail, sendCode } from '../flow'

/** POST {authPath}/password/reset `{ email }` → 202 `{ status: 'accepted' }` always; a reset code and link go out only when the account exists. */
export default defineEventHandler(event => withErrors(event, async () => {
  const account = await accountToMail(event)
  if (account) await sendCode(event, account, 'reset')
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
