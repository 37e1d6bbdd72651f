import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { appCall } from '../resolve'
import { bearerUser } from '../link'
import { useAccounts } from '../registry'

/** GET {authPath}/identities (Bearer): the logged-in user's sign-in methods, `{ identities: [{ provider, subject }] }`. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const accounts = useAccounts()
  if (!accounts) throw new AegisError(404, 'not_found', 'identities need defineAccounts')
  const user = bearerUser(event)
  const identities = await appCall('listIdentities', () => accounts.listIdentities({ user: { sub: user.sub }, event }))
  return { identities: identities.map(({ provider, subject }) => ({ provider, subject })) }
}))
