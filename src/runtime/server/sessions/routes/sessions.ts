import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { listOwnSessions, sessionCaller } from '../own-sessions'

/** GET {authPath}/sessions: the caller's live sessions (`{ sessions: SessionInfo[] }`); 405 for other methods. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  if (event.method !== 'GET' && event.method !== 'HEAD') {
    setResponseHeader(event, 'allow', 'GET')
    throw new AegisError(405, 'method_not_allowed')
  }
  return { sessions: await listOwnSessions(await sessionCaller(event)) }
}))
