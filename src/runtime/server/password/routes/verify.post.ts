import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { readCredentialsBody, rateLimit, stringField } from '../request'
import { usePasswordServices } from '../services'
import { codeField, emailField, findAccount, persist, provider } from '../flow'

/**
 * POST {authPath}/password/verify `{ email, code }` or `{ token }` (from the emailed link; the
 * link's page POSTs it, so a scanner that only GETs the link confirms nothing) → 200
 * `{ status: 'verified' }`. Logs nothing in: the user logs in with the password next.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const { config, codes } = usePasswordServices()
  let checked
  if (body.token !== undefined) {
    const token = stringField(body, 'token', 200)
    await rateLimit(event, 'code', config.rateLimit.code)
    checked = await codes.checkLink('verify', token)
  }
  else {
    const email = emailField(body)
    const code = codeField(body)
    await rateLimit(event, 'code', config.rateLimit.code, email)
    checked = await codes.checkCode(email, 'verify', code)
  }
  const account = checked.ok ? await findAccount(event, checked.email) : undefined
  if (!checked.ok || !account) throw new AegisError(400, 'invalid_verification_code')
  if (!account.emailVerified) await persist(event, { action: 'verify', id: account.id, email: checked.email, emailVerified: true })
  return { status: 'verified' }
}))
