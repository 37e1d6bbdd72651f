import { defineEventHandler, setResponseHeader } from 'h3'
import { withErrors } from '../../core/errors'
import { endOtherSessions, sessionCaller } from '../own-sessions'

/** POST {authPath}/sessions/revoke-others: ends every session of the caller but this one; `{ revoked }` counts them. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  return { revoked: await endOtherSessions(await sessionCaller(event)) }
}))
