import { defineEventHandler, setResponseStatus } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { accountUser, checkAccountPassword } from '../account'
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../hash'
import { allowSubjects, limitIp, limitSubjects, readCredentialsBody, resetSubject } from '../request'
import { usePasswordServices } from '../services'
import { assertTurn, emailField, findAccount, lookupAccount, passwordBinding, passwordField, persist, provider, sendCode } from '../flow'
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
  const { config, scrypt, dummyHash, serializeAccount } = usePasswordServices()
  await limitIp(event, 'login', config.rateLimit.login)
  const { account, limitKeys } = await lookupAccount(event, email)
  await limitSubjects(event, 'login', config.rateLimit.login, limitKeys)
  if (!await checkAccountPassword(account, password, { verify: verifyPassword, dummyHash })) {
    throw new AegisError(401, 'invalid_credentials', `password login refused for ${fingerprint(email)}`)
  }
  const found = account!
  // Failed attempts count against the account until the right password is given.
  await Promise.all(limitKeys.map(key => resetSubject('login', key)))
  if (passwordNeedsRehash(found.passwordHash!, scrypt)) {
    try {
      const passwordHash = await hashPassword(password, scrypt)
      await serializeAccount(email, async (held) => {
        // Only over the hash just checked: a registration or reset may have stored another meanwhile.
        const current = await findAccount(event, email)
        if (current?.id !== found.id || current.passwordHash !== found.passwordHash) return
        await assertTurn(held)
        await persist(event, { action: 'password', id: found.id, email: found.email, passwordHash, reason: 'rehash' })
        // A code sent below is bound to the hash now stored.
        found.passwordHash = passwordHash
      })
    }
    catch (error) {
      log.warn(`rehash of ${fingerprint(found.id)} not stored: ${error instanceof Error ? error.name : 'unknown error'}`)
    }
  }
  if (config.loginCode === 'always') {
    // Counted as a mail sent (the answer stays 202): a known password must not flood the mailbox.
    if (await allowSubjects('send', config.rateLimit.send, limitKeys)) await sendCode(event, found, 'login', passwordBinding(found))
    setResponseStatus(event, 202)
    return { status: 'code_required' }
  }
  if (config.loginCode === 'register' && !found.emailVerified) {
    // Counted as a mail sent: knowing the password must not allow unlimited mail to the address.
    if (await allowSubjects('send', config.rateLimit.send, limitKeys)) await sendCode(event, found, 'verify', passwordBinding(found))
    throw new AegisError(403, 'email_not_verified', `unverified account ${fingerprint(found.id)}`)
  }
  return signIn(event, 'password', accountUser(found), app.customClaims, { amr: ['pwd'] })
}))
