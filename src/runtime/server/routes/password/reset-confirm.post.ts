import { defineEventHandler } from 'h3'
import { AegisError, log, withErrors } from '../../lib/errors'
import { fingerprint } from '../../lib/crypto'
import { hashPassword } from '../../lib/password/hash'
import { limitIp, limitSubjects, readCredentialsBody, resetSubject, stringField } from '../../password/request'
import { usePasswordServices } from '../../password/services'
import { accountOfCheck, assertNewPassword, codeField, emailField, lookupAccount, passwordField, persist, provider, subjectOf } from '../../password/flow'
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
  const { config, codes, scrypt } = usePasswordServices()
  const byLink = body.token !== undefined
  const token = byLink ? stringField(body, 'token', 200) : undefined
  const typed = byLink ? undefined : { email: emailField(body), code: codeField(body, 'reset') }
  await limitIp(event, 'code', config.rateLimit.code)
  const lookup = typed ? await lookupAccount(event, typed.email) : undefined
  if (lookup) await limitSubjects(event, 'code', config.rateLimit.code, [lookup.subject])
  // Check the new password before the code is spent (the email rule again below for links).
  await assertNewPassword(event, password, typed?.email ?? '')
  const checked = token ? await codes.checkLink('reset', token) : await codes.checkCode(lookup!.subject, 'reset', typed!.code)
  const account = await accountOfCheck(event, checked, lookup)
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  if (byLink) await assertNewPassword(event, password, account.email)
  await persist(event, { action: 'password', id: account.id, email: account.email, passwordHash: await hashPassword(password, scrypt), reason: 'reset', emailVerified: true })
  const revoked = await revokeUserSessions(account.id, { provider: 'password' })
  // The owner is back in control: failed logins of the attacker no longer lock them out.
  await resetSubject('login', subjectOf(account))
  log.info(`password reset for ${fingerprint(account.id)}: ${revoked} session(s) ended`)
  return { status: 'reset' }
}))
