import { defineEventHandler } from 'h3'
import { withErrors } from '../../core/errors'
import { authenticationResponse, limit, readPasskeyBody, requestIpGroup } from '../request'
import { verifyAuthentication } from '../authentication'
import { passkeyProvider, usePasskeyServices } from '../services'
import { signIn } from '../../credentials/signin'
import { passkeyLoginUser } from '../accounts'

/** POST {authPath}/passkey/login/verify `{ response }` → 200 token response and refresh cookie; 401 `invalid_passkey`. */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readPasskeyBody(event, ['response'])
  const response = authenticationResponse(body.response)
  await limit(event, 'login-verify', requestIpGroup(event), usePasskeyServices().config.rateLimit.login.perIp)
  const { user, amr, credentialId } = await verifyAuthentication(event, response)
  // With accounts the passkey's identity resolves to the app's user, as every other method does.
  return signIn(event, 'passkey', await passkeyLoginUser(event, credentialId, user), passkeyProvider().customClaims, { amr })
}))
