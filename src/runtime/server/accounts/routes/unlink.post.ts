import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { bearerUser, unlink } from '../link'
import { useAccounts } from '../registry'

/**
 * POST {authPath}/unlink (Bearer, same-origin, JSON `{ provider, subject }`): removes one of the
 * user's sign-in methods; 409 `last_identity` for the last one.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const accounts = useAccounts()
  if (!accounts) throw new AegisError(404, 'not_found', 'unlinking needs defineAccounts')
  const { provider, subject } = await readJsonObject(event)
  if (typeof provider !== 'string' || typeof subject !== 'string' || !provider || !subject || provider.length > 64 || subject.length > 255) {
    throw new AegisError(400, 'invalid_request', 'provider and subject must be short strings')
  }
  const user = bearerUser(event)
  const identities = await unlink(accounts, event, { sub: user.sub }, { provider, subject })
  return { identities: identities.map(({ provider, subject }) => ({ provider, subject })) }
}))
