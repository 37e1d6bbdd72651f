import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { bearerUser, limit, passkeyName, readPasskeyBody, registrationResponse } from '../request'
import { verifyRegistration } from '../registration'
import { usePasskeyServices } from '../services'

/** POST {authPath}/passkey/register/verify `{ response, name? }` (Bearer) → the new passkey `{ passkey }`. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readPasskeyBody(event, ['response', 'name'])
  const user = await bearerUser(event)
  const response = registrationResponse(body.response)
  const name = passkeyName(body.name)
  await limit(event, 'register', user.sub, usePasskeyServices().config.rateLimit.register.perUser)
  return { passkey: await verifyRegistration(event, user, response, name) }
}))
