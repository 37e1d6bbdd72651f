import { defineEventHandler } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { hashPassword } from '../hash'
import { readCredentialsBody, rateLimit, stringField } from '../request'
import { usePasswordServices } from '../services'
import { assertNewPassword, codeField, emailField, findAccount, passwordField, persist, provider } from '../flow'
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
  const { config, codes, scrypt, limiter } = usePasswordServices()
  const byLink = body.token !== undefined
  const token = byLink ? stringField(body, 'token', 200) : undefined
  const typed = byLink ? undefined : { email: emailField(body), code: codeField(body) }
  await rateLimit(event, 'code', config.rateLimit.code, typed?.email)
  // Check the new password before the code is spent (the email rule again below for links).
  await assertNewPassword(event, password, typed?.email ?? '')
  const checked = token ? await codes.checkLink('reset', token) : await codes.checkCode(typed!.email, 'reset', typed!.code)
  const account = checked.ok ? await findAccount(event, checked.email) : undefined
  if (!checked.ok || !account) throw new AegisError(400, 'invalid_verification_code')
  if (byLink) await assertNewPassword(event, password, checked.email)
  await persist(event, { action: 'password', id: account.id, email: checked.email, passwordHash: await hashPassword(password, scrypt), reason: 'reset', emailVerified: true })
  const revoked = await revokeUserSessions(account.id)
  // The owner is back in control: failed logins of the attacker no longer lock them out.
  await limiter.reset('login:email', checked.email)
  log.info(`password reset for ${fingerprint(account.id)}: ${revoked} session(s) ended`)
  return { status: 'reset' }
}))
