import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../lib/errors'
import { readCredentialsBody, rateLimit } from '../../password/request'
import { usePasswordServices } from '../../password/services'
import { emailField, findAccount, provider, sendCode } from '../../password/flow'

/** POST {authPath}/password/reset `{ email }` → 202 `{ status: 'accepted' }` always; a reset code and link go out only when the account exists. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  await rateLimit(event, 'send', usePasswordServices().config.rateLimit.send, email)
  if (await findAccount(event, email)) await sendCode(event, email, 'reset')
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
