import { defineEventHandler, setResponseStatus } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { accountUser, checkAccountPassword } from '../account'
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../hash'
import { readCredentialsBody, rateLimit } from '../request'
import { usePasswordServices } from '../services'
import { emailField, findAccount, passwordField, persist, provider, sendCode } from '../flow'
import { signIn } from '../../credentials/signin'

/**
 * POST {authPath}/password/login `{ email, password }` → 200 token response and refresh cookie;
 * 202 `{ status: 'code_required' }` when `loginCode: 'always'` (a code was emailed); 403
 * `email_not_verified` for an unverified account (a new code was emailed); 401
 * `invalid_credentials` for an unknown email or a wrong password alike.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  const app = provider()
  const email = emailField(body)
  const password = passwordField(body, 'password')
  const { config, scrypt, dummyHash, limiter } = usePasswordServices()
  await rateLimit(event, 'login', config.rateLimit.login, email)
  const account = await findAccount(event, email)
  if (!await checkAccountPassword(account, password, { verify: verifyPassword, dummyHash })) {
    throw new AegisError(401, 'invalid_credentials', `password login refused for ${fingerprint(email)}`)
  }
  const found = account!
  // Failed attempts count against the email until the right password is given.
  await limiter.reset('login:email', email)
  if (passwordNeedsRehash(found.passwordHash!, scrypt)) {
    try {
      await persist(event, { action: 'password', id: found.id, email, passwordHash: await hashPassword(password, scrypt), reason: 'rehash' })
    }
    catch (error) {
      log.warn(`rehash of ${fingerprint(found.id)} not stored: ${error instanceof Error ? error.name : 'unknown error'}`)
    }
  }
  if (config.loginCode === 'always') {
    await sendCode(event, email, 'login')
    setResponseStatus(event, 202)
    return { status: 'code_required' }
  }
  if (config.loginCode === 'register' && !found.emailVerified) {
    await sendCode(event, email, 'verify')
    throw new AegisError(403, 'email_not_verified', `unverified account ${fingerprint(found.id)}`)
  }
  return signIn(event, 'password', accountUser(found), app.customClaims)
}))
