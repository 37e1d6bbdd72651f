import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { limitIp, limitSubjects, readCredentialsBody } from '../request'
import { usePasswordServices } from '../services'
import { emailField, lookupAccount, passwordBinding, provider, sendCode } from '../flow'

/** POST {authPath}/password/verify/resend `{ email }` → 202 `{ status: 'accepted' }` always; a code goes out only to an unverified account. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  const rules = usePasswordServices().config.rateLimit.send
  await limitIp(event, 'send', rules)
  const { account, subject } = await lookupAccount(event, email)
  await limitSubjects(event, 'send', rules, [subject])
  if (account && !account.emailVerified) await sendCode(event, account, 'verify', passwordBinding(account))
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
