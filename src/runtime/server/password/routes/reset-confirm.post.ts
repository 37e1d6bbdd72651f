import { defineEventHandler } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { hashPassword } from '../hash'
import { limitIp, limitSubjects, readCredentialsBody, resetSubject, stringField } from '../request'
import { usePasswordServices } from '../services'
import { accountOfCheck, assertNewPassword, codeField, emailField, lookupAccount, passwordField, persist, provider, subjectOf } from '../flow'
import { revokeUserSessions } from '../../utils/sessions'
import type { PasswordAccount } from '../types'

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
  /** Stores the new hash, inside the account's turn (a registration running meanwhile cannot write over it). */
  const store = async (account: PasswordAccount) => {
    await persist(event, { action: 'password', id: account.id, email: account.email, passwordHash: await hashPassword(password, scrypt), reason: 'reset', emailVerified: true })
    return account
  }
  let account: PasswordAccount | undefined
  if (typed) {
    account = await serializeAccount(typed.email, async () => {
      const lookup = await lookupAccount(event, typed.email)
      await limitSubjects(event, 'code', config.rateLimit.code, [lookup.subject])
      const found = await accountOfCheck(event, await codes.checkCode(lookup.subject, 'reset', typed.code), lookup)
      return found && store(found)
    })
  }
  else {
    const checked = await codes.checkLink('reset', token!)
    account = checked.ok
      ? await serializeAccount(checked.email, async () => {
          const found = await accountOfCheck(event, checked)
          if (found) await assertNewPassword(event, password, found.email)
          return found && store(found)
        })
      : undefined
  }
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  const revoked = await revokeUserSessions(account.id, { provider: 'password' })
  // The owner is back in control: failed logins of the attacker no longer lock them out.
  await resetSubject('login', subjectOf(account))
  log.info(`password reset for ${fingerprint(account.id)}: ${revoked} session(s) ended`)
  return { status: 'reset' }
}))
