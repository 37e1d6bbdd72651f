import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../lib/errors'
import { accountUser } from '../../lib/password/account'
import { limitIp, limitSubjects, readCredentialsBody } from '../../password/request'
import { usePasswordServices } from '../../password/services'
import { codeField, emailField, lookupAccount, persist, provider } from '../../password/flow'
import { signIn } from '../../signin'

/**
 * POST {authPath}/password/login/code `{ email, code }`: the second step of a login with
 * `loginCode: 'always'`. The code was only sent after the right password; it also proves the
 * address, so an unverified account becomes verified.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  const app = provider()
  const email = emailField(body)
  const code = codeField(body, 'login')
  const { config, codes } = usePasswordServices()
  await limitIp(event, 'code', config.rateLimit.code)
  const { account, subject } = await lookupAccount(event, email)
  await limitSubjects(event, 'code', config.rateLimit.code, [subject])
  const checked = await codes.checkCode(subject, 'login', code)
  if (!checked.ok || !account) throw new AegisError(400, 'invalid_verification_code')
  if (!account.emailVerified) {
    await persist(event, { action: 'verify', id: account.id, email: account.email, emailVerified: true })
    account.emailVerified = true
  }
  return signIn(event, 'password', accountUser(account), app.customClaims)
}))
