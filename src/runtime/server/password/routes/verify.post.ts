import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { checkAccountPassword, normalizeEmail } from '../account'
import { verifyPassword } from '../hash'
import { limitIp, limitSubjects, readCredentialsBody, resetSubject, stringField } from '../request'
import { usePasswordServices } from '../services'
import { accountOfCheck, assertTurn, codeField, codeTarget, emailField, lookupAccount, passwordField, persist, provider } from '../flow'

/**
 * POST {authPath}/password/verify `{ email, code, password }` or `{ token, password }` (from the
 * emailed link; the link's page POSTs it, so a scanner that only GETs the link confirms nothing)
 * → 200 `{ status: 'verified' }`. Logs nothing in: the user logs in with the password next.
 *
 * The password is required: the code proves the mailbox, the password proves that the verifier
 * is the one who set it. Without it, the owner clicking a link that someone else's registration
 * sent would make that someone's password the verified owner's (pre-account hijacking).
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const { config, codes, dummyHash, serializeAccount } = usePasswordServices()
  const password = passwordField(body, 'password')
  const token = body.token !== undefined ? stringField(body, 'token', 200) : undefined
  const typed = token === undefined ? { email: emailField(body), code: codeField(body, 'verify') } : undefined
  await limitIp(event, 'code', config.rateLimit.code)
  // A typed code is checked only after the password, so a mistyped password does not spend it.
  const { lookup, link } = await codeTarget(event, 'verify', { typed, token })
  const account = lookup?.account
  // A password check like a login's: it draws on the same per-account budget, so /verify adds no guesses.
  if (lookup) await limitSubjects(event, 'login', config.rateLimit.login, lookup.limitKeys)
  // scrypt outside the account's turn, the same work with or without an account.
  if (!await checkAccountPassword(account, password, { verify: verifyPassword, dummyHash }) || !account) {
    throw new AegisError(400, 'invalid_verification_code')
  }
  // The right password, as after a login: its failed attempts are forgotten.
  await Promise.all(lookup!.limitKeys.map(key => resetSubject('login', key)))
  const checkedHash = account.passwordHash
  const verified = await serializeAccount(account.email, async (held) => {
    // Inside the turn: still the account, and still the password just checked.
    const fresh = await lookupAccount(event, normalizeEmail(account.email)!)
    if (fresh.subject !== lookup!.subject || fresh.account?.passwordHash !== checkedHash) return false
    const checked = link ?? await codes.checkCode(fresh.subject, 'verify', typed!.code)
    const target = await accountOfCheck(event, checked, fresh)
    if (!target) return false
    if (!target.emailVerified) {
      await assertTurn(held)
      await persist(event, { action: 'verify', id: target.id, email: target.email, emailVerified: true })
    }
    return true
  })
  if (!verified) throw new AegisError(400, 'invalid_verification_code')
  return { status: 'verified' }
}))
