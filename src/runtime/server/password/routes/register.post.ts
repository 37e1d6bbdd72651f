import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { hashPassword } from '../hash'
import { readCredentialsBody, rateLimit } from '../request'
import { usePasswordServices } from '../services'
import { assertNewPassword, emailField, findAccount, passwordField, persist, provider, sendCode } from '../flow'

/**
 * POST {authPath}/password/register `{ email, password }` → 202 `{ status: 'accepted' }`,
 * whether or not the email already has an account (the same answer and the same hashing
 * work): the owner learns the rest from the email.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  const password = passwordField(body, 'password')
  const { config, scrypt } = usePasswordServices()
  await rateLimit(event, 'send', config.rateLimit.send, email)
  await assertNewPassword(event, password, email)
  const passwordHash = await hashPassword(password, scrypt)
  const existing = await findAccount(event, email)
  if (!existing) {
    await persist(event, { action: 'create', email, passwordHash, emailVerified: false })
    if (config.loginCode !== 'off') await sendCode(event, email, 'verify')
  }
  else if (!existing.emailVerified && config.loginCode !== 'off') {
    // Someone (maybe the owner, who lost the first code) registers again: send a fresh code, keep the stored password.
    await sendCode(event, email, 'verify')
  }
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
