import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { limitIp, limitSubjects, readCredentialsBody } from '../request'
import { usePasswordServices } from '../services'
import { emailField, lookupAccount, provider, sendCode } from '../flow'

/** POST {authPath}/password/reset `{ email }` → 202 `{ status: 'accepted' }` always; a reset code and link go out only when the account exists. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  const rules = usePasswordServices().config.rateLimit.send
  await limitIp(event, 'send', rules)
  const { account, subject } = await lookupAccount(event, email)
  await limitSubjects(event, 'send', rules, [subject])
  if (account) await sendCode(event, account, 'reset')
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
