import { defineEventHandler } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { normalizeEmail } from '../account'
import { hashPassword } from '../hash'
import { limitIp, readCredentialsBody, resetSubject, stringField } from '../request'
import { usePasswordServices } from '../services'
import { accountOfCheck, assertNewPassword, assertTurn, codeField, codeTarget, emailField, lookupAccount, passwordField, persist, provider, subjectOf } from '../flow'
import { revokeUserSessions } from '../../utils/sessions'

/**
 * POST {authPath}/password/reset/confirm `{ email, code, password }` or `{ token, password }`
 * → 200 `{ status: 'reset' }`. Stores the new hash, marks the email verified (the code proved
 * it) and ends every session of the user. Logs nothing in.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const password = passwordField(body, 'password')
  const { config, codes, scrypt, serializeAccount } = usePasswordServices()
  const byLink = body.token !== undefined
  const token = byLink ? stringField(body, 'token', 200) : undefined
  const typed = byLink ? undefined : { email: emailField(body), code: codeField(body, 'reset') }
  await limitIp(event, 'code', config.rateLimit.code)
  // Check the new password before the code is spent (the email rule again below for links).
  await assertNewPassword(event, password, typed?.email ?? '')
  const { lookup, link } = await codeTarget(event, 'reset', { typed, token })
  if (link && lookup?.account) await assertNewPassword(event, password, lookup.account.email)
  // Hashed before the account's turn (scrypt must not hold it), with or without an account.
  const passwordHash = await hashPassword(password, scrypt)
  // The same steps with or without an account (a typed code is checked either way).
  const email = lookup?.account?.email ?? typed?.email
  const account = email && lookup && await serializeAccount(email, async (held) => {
    const fresh = await lookupAccount(event, normalizeEmail(email)!)
    if (fresh.subject !== lookup!.subject) return undefined
    const target = await accountOfCheck(event, link ?? await codes.checkCode(fresh.subject, 'reset', typed!.code), fresh)
    if (!target) return undefined
    await assertTurn(held)
    await persist(event, { action: 'password', id: target.id, email: target.email, passwordHash, reason: 'reset', emailVerified: true })
    return target
  })
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  const revoked = await revokeUserSessions(account.id, { provider: 'password' })
  // The owner is back in control: failed logins of the attacker no longer lock them out.
  await resetSubject('login', subjectOf(account))
  log.info(`password reset for ${fingerprint(account.id)}: ${revoked} session(s) ended`)
  return { status: 'reset' }
}))
