import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../lib/errors'
import { verifyPassword } from '../../lib/password/hash'
import { limitIp, limitSubjects, readCredentialsBody, stringField } from '../../password/request'
import { usePasswordServices } from '../../password/services'
import { accountOfCheck, codeField, emailField, lookupAccount, passwordField, persist, provider } from '../../password/flow'

/**
 * POST {authPath}/password/verify `{ email, code }` or `{ token }` (from the emailed link; the
 * link's page POSTs it, so a scanner that only GETs the link confirms nothing), optionally with
 * the `password` of the registration → 200 `{ status: 'verified' }`. Logs nothing in: the user
 * logs in with the password next.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const { config, codes } = usePasswordServices()
  const password = body.password !== undefined ? passwordField(body, 'password') : undefined
  await limitIp(event, 'code', config.rateLimit.code)
  let account
  if (body.token !== undefined) {
    const token = stringField(body, 'token', 200)
    account = await accountOfCheck(event, await codes.checkLink('verify', token))
  }
  else {
    const email = emailField(body)
    const code = codeField(body, 'verify')
    const typed = await lookupAccount(event, email)
    await limitSubjects(event, 'code', config.rateLimit.code, [typed.subject])
    account = await accountOfCheck(event, await codes.checkCode(typed.subject, 'verify', code), typed)
  }
  if (!account) throw new AegisError(400, 'invalid_verification_code')
  // A page that still holds the password (the registration form) proves the verifier set it.
  if (password !== undefined && !(account.passwordHash && await verifyPassword(password, account.passwordHash))) {
    throw new AegisError(400, 'invalid_verification_code', 'verification with a password that is not the stored one')
  }
  if (!account.emailVerified) await persist(event, { action: 'verify', id: account.id, email: account.email, emailVerified: true })
  return { status: 'verified' }
}))
