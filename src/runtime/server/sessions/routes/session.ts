import { defineEventHandler, getRouterParam, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { clearRefreshCookie } from '../../context/cookies'
import { callAegisHook } from '../../context/hooks'
import { endOwnSession, sessionCaller } from '../own-sessions'

/** A listed session id: a fingerprint (12 base64url characters). */
const SESSION_ID = /^[\w-]{12}$/

/**
 * DELETE {authPath}/sessions/:id: ends one of the caller's sessions; `{ current }` says whether it
 * was the caller's own (then the refresh cookie is cleared too, as on logout). An unknown id, or
 * another user's, is a 404. 405 for other methods.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  if (event.method !== 'DELETE') {
    setResponseHeader(event, 'allow', 'DELETE')
    throw new AegisError(405, 'method_not_allowed')
  }
  const caller = await sessionCaller(event)
  const id = getRouterParam(event, 'id') ?? ''
  const ended = SESSION_ID.test(id) ? await endOwnSession(caller, id) : undefined
  if (!ended) throw new AegisError(404, 'not_found', `no session ${fingerprint(id)} of this user`)
  if (ended.current) {
    clearRefreshCookie(event)
    await callAegisHook('nuxt-aegis:logout', { user: ended.session.user, session: id, event })
  }
  return { current: ended.current }
}))
