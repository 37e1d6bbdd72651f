import { defineEventHandler, setResponseHeader } from 'h3'
import { withErrors } from '../../core/errors'
import { bearerUser } from '../request'
import { passkeyProvider } from '../services'
import { publicCredential } from '../view'

/** GET {authPath}/passkey/credentials (Bearer) → `{ passkeys: [...] }`, the user's passkeys. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const user = await bearerUser(event)
  const app = passkeyProvider()
  // Only the user's own, whatever the store matched.
  const passkeys = (await app.listCredentials(user.sub, event)).filter(credential => credential.userId === user.sub)
  return { passkeys: passkeys.map(publicCredential) }
}))
