import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { accountUser } from '../account'
import { readCredentialsBody, rateLimit } from '../request'
import { usePasswordServices } from '../services'
import { codeField, emailField, findAccount, persist, provider } from '../flow'
import { signIn } from '../../credentials/signin'

/**
 * POST {authPath}/password/login/code `{ email, code }`: the second step of a login with
 * `loginCode: 'always'`. The code was only sent after the right password; it also proves the
 * address, so an unverified account becomes verified.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  const app = provider()
  const email = emailField(body)
  const code = codeField(body)
  const { config, codes } = usePasswordServices()
  await rateLimit(event, 'code', config.rateLimit.code, email)
  const checked = await codes.checkCode(email, 'login', code)
  const account = checked.ok ? await findAccount(event, email) : undefined
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  if (!account.emailVerified) {
    await persist(event, { action: 'verify', id: account.id, email, emailVerified: true })
    account.emailVerified = true
  }
  return signIn(event, 'password', accountUser(account), app.customClaims)
}))
