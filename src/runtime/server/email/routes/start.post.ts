import { defineEventHandler, setResponseStatus } from 'h3'
import { withErrors } from '../../core/errors'
import { readCredentialsBody } from '../../password/request'
import { emailField, provider, startEmailLogin } from '../flow'

/**
 * POST {authPath}/email/start `{ email }` → 202 `{ status: 'accepted' }` for every address; a
 * code (and link) goes out only to an account's stored address, or to a new address with `signUp`.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  await startEmailLogin(event, emailField(body))
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
