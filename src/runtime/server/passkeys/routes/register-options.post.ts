import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { bearerUser, limit, readPasskeyBody } from '../request'
import { registrationOptions } from '../registration'
import { usePasskeyServices } from '../services'

/** POST {authPath}/passkey/register/options `{}` (Bearer) → creation options for `navigator.credentials.create()`. */
export default defineEventHandler(event => withErrors(event, async () => {
  await readPasskeyBody(event, [])
  const user = await bearerUser(event)
  await limit(event, 'register', user.sub, usePasskeyServices().config.rateLimit.register.perUser)
  return registrationOptions(event, user)
}))
