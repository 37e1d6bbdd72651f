import { defineEventHandler, getRouterParam, setResponseHeader, setResponseStatus } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { assertSameOrigin } from '../../context/http'
import { bearerUser } from '../request'
import { assertCanManagePasskeys } from '../registration'
import { passkeyProvider } from '../services'
import { removePasskey } from '../accounts'

/** DELETE {authPath}/passkey/credentials/:id (Bearer, same-origin) → 204; 404 unless the passkey is the user's; with accounts 409 `last_identity` for the last method. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const user = await bearerUser(event)
  assertCanManagePasskeys(user)
  const id = getRouterParam(event, 'id', { decode: true }) ?? ''
  if (!/^[\w-]{1,1366}$/.test(id)) throw new AegisError(400, 'invalid_request', 'passkey id malformed')
  const app = passkeyProvider()
  // Exactly one of the user's own passkeys: never another user's, never a loose match.
  const own = (await app.listCredentials(user.sub, event)).find(credential => credential.userId === user.sub && credential.id === id)
  if (!own) throw new AegisError(404, 'not_found', `passkey ${fingerprint(id)} is not one of ${fingerprint(user.sub)}'s`)
  // With accounts a passkey is a sign-in method: never the last one (409 last_identity).
  await removePasskey(event, user, own.id, () => Promise.resolve(app.deleteCredential(own.id, user.sub, event)))
  setResponseStatus(event, 204)
  return null
}))
