import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { limit, readPasskeyBody, requestIpGroup } from '../request'
import { authenticationOptions } from '../authentication'
import { usePasskeyServices } from '../services'

/** POST {authPath}/passkey/login/options `{}` → request options for `navigator.credentials.get()` (discoverable, autofill-ready). */
export default defineEventHandler(event => withErrors(event, async () => {
  await readPasskeyBody(event, [])
  await limit(event, 'login-options', requestIpGroup(event), usePasskeyServices().config.rateLimit.login.perIp)
  return authenticationOptions(event)
}))
