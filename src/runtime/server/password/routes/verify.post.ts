import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { verifyPassword } from '../hash'
import { limitIp, limitSubjects, readCredentialsBody, stringField } from '../request'
import { usePasswordServices } from '../services'
import { accountOfCheck, codeField, emailField, lookupAccount, passwordField, persist, provider } from '../flow'
import type { PasswordAccount } from '../types'

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
  const { config, codes, serializeAccount } = usePasswordServices()
  const password = passwordField(body, 'password')
  const token = body.token !== undefined ? stringField(body, 'token', 200) : undefined
  const typed = token === undefined ? { email: emailField(body), code: codeField(body, 'verify') } : undefined
  await limitIp(event, 'code', config.rateLimit.code)
  const verified = typed
    ? await serializeAccount(typed.email, async () => {
        const lookup = await lookupAccount(event, typed.email)
        await limitSubjects(event, 'code', config.rateLimit.code, [lookup.subject])
        return activate(await accountOfCheck(event, await codes.checkCode(lookup.subject, 'verify', typed.code), lookup))
      })
    : await verifyLink(token!)
  if (!verified) throw new AegisError(400, 'invalid_verification_code')
  return { status: 'verified' }

  async function verifyLink(link: string): Promise<boolean> {
    const checked = await codes.checkLink('verify', link)
    if (!checked.ok) return false
    return serializeAccount(checked.email, async () => activate(await accountOfCheck(event, checked)))
  }

  /** Marks the account verified when the password is the stored one (checked inside the account's turn). */
  async function activate(account: PasswordAccount | undefined): Promise<boolean> {
    if (!account?.passwordHash || !await verifyPassword(password, account.passwordHash)) return false
    if (!account.emailVerified) await persist(event, { action: 'verify', id: account.id, email: account.email, emailVerified: true })
    return true
  }
}))
