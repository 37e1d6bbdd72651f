import type { H3Event } from 'h3'
import { defineEventHandler, getCookie, getRequestHeader, sendNoContent, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { clearRefreshCookie } from '../../context/cookies'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { useAegis } from '../../context/services'
import { callAegisHook } from '../../core/hooks'

/**
 * POST {authPath}/logout: revoke the session on the server and clear the cookie.
 * With the JSON body `{ "everywhere": true }` every session of the user ends.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const everywhere = await readEverywhere(event)
  const { sessions, config } = useAegis()
  const token = getCookie(event, config.tokenRefresh.cookie.cookieName)
  const session = token ? await sessions.revoke(token) : undefined
  // Only the holder of a live session may end the user's other sessions.
  const revoked = everywhere && session ? 1 + await sessions.revokeUser(session.user.sub, { provider: session.user.provider }) : undefined
  clearRefreshCookie(event)
  await callAegisHook('nuxt-aegis:logout', { user: session?.user, session: session ? fingerprint(session.familyId) : undefined, revoked, event })
  return sendNoContent(event, 204)
}))

/**
 * `everywhere` from an optional JSON body. Anything that is not JSON (no body, `sendBeacon`'s
 * text/plain) means this session only: a logout is never refused for its body type.
 */
async function readEverywhere(event: H3Event): Promise<boolean> {
  if (!/^application\/json\s*(?:;|$)/i.test(getRequestHeader(event, 'content-type') ?? '')) return false
  const { everywhere } = await readJsonObject(event)
  if (everywhere !== undefined && typeof everywhere !== 'boolean') throw new AegisError(400, 'invalid_request', 'everywhere must be a boolean')
  return everywhere === true
}
