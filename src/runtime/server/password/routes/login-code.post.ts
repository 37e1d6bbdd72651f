import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { accountUser } from '../account'
import { limitIp, limitSubjects, readCredentialsBody } from '../request'
import { usePasswordServices } from '../services'
import { accountOfCheck, assertTurn, codeField, emailField, lookupAccount, persist, provider } from '../flow'
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
  const code = codeField(body, 'login')
  const { config, codes, serializeAccount } = usePasswordServices()
  await limitIp(event, 'code', config.rateLimit.code)
  // Counted before the account's turn: refused requests never hold it.
  await limitSubjects(event, 'code', config.rateLimit.code, [(await lookupAccount(event, email)).subject])
  const account = await serializeAccount(email, async (held) => {
    const lookup = await lookupAccount(event, email)
    // Bound to the password of step one: a password stored since (another registration) voids the code.
    const found = await accountOfCheck(event, await codes.checkCode(lookup.subject, 'login', code), lookup)
    if (found && !found.emailVerified) {
      await assertTurn(held)
      await persist(event, { action: 'verify', id: found.id, email: found.email, emailVerified: true })
      found.emailVerified = true
    }
    return found
  })
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  // The password of step one, then a one-time code from the mailbox (RFC 8176 `otp`).
  return signIn(event, 'password', accountUser(account), app.customClaims, { amr: ['pwd', 'otp'] })
}))
