import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { readCredentialsBody, rateLimit } from '../request'
import { usePasswordServices } from '../services'
import { emailField, findAccount, provider, sendCode } from '../flow'

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
