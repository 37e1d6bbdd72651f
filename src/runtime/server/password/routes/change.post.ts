import { defineEventHandler, getRequestHeader } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { checkAccountPassword, normalizeEmail } from '../account'
import { hashPassword, verifyPassword } from '../hash'
import { parseBearer } from '../../tokens/tokens'
import { limitIp, limitSubjects, readCredentialsBody, resetSubject } from '../request'
import { usePasswordServices } from '../services'
import { assertNewPassword, assertTurn, findAccount, passwordField, persist, provider, subjectOf } from '../flow'
import { useAegis } from '../../context/services'
import { revokeUserSessions } from '../../utils/sessions'

/**
 * POST {authPath}/password/change `{ currentPassword, newPassword }` with the access token
 * (`Authorization: Bearer`) → 200 `{ status: 'changed', revoked }`. Every other session of the
 * user ends; the one of this request's refresh cookie stays.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  const claims = token ? await useAegis().tokens.verify(token) : undefined
  if (!claims) throw new AegisError(401, 'invalid_token', 'password change without a valid access token')
  if (claims.act !== undefined) throw new AegisError(403, 'impersonation_not_allowed', 'password change with an impersonation token')
  const email = normalizeEmail(claims.email)
  if (claims.provider !== 'password' || !email) throw new AegisError(403, 'invalid_token', 'password change for a user who did not log in with a password')
  const current = passwordField(body, 'currentPassword')
  const next = passwordField(body, 'newPassword')
  const { config, scrypt, dummyHash, serializeAccount } = usePasswordServices()
  await limitIp(event, 'login', config.rateLimit.login)
  const subject = subjectOf({ id: claims.sub })
  await limitSubjects(event, 'login', config.rateLimit.login, [subject])
  const found = await findAccount(event, email)
  const account = found && found.id === claims.sub ? found : undefined
  if (!await checkAccountPassword(account, current, { verify: verifyPassword, dummyHash })) {
    throw new AegisError(401, 'invalid_credentials', `password change refused for ${fingerprint(claims.sub)}`)
  }
  await resetSubject('login', subject)
  await assertNewPassword(event, next, email)
  const passwordHash = await hashPassword(next, scrypt)
  const checkedHash = account!.passwordHash
  // Only over the password just checked: a reset by the owner meanwhile must not be undone by a stolen session.
  const changed = await serializeAccount(email, async (held) => {
    const fresh = await findAccount(event, email)
    if (fresh?.id !== claims.sub || fresh.passwordHash !== checkedHash) return false
    await assertTurn(held)
    await persist(event, { action: 'password', id: fresh.id, email: fresh.email, passwordHash, reason: 'change' })
    return true
  })
  if (!changed) throw new AegisError(401, 'invalid_credentials', `password of ${fingerprint(claims.sub)} changed meanwhile`)
  const revoked = await revokeUserSessions(account!.id, { keep: event, provider: 'password' })
  log.info(`password changed for ${fingerprint(account!.id)}: ${revoked} other session(s) ended`)
  return { status: 'changed', revoked }
}))
