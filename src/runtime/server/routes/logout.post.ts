import { defineEventHandler, getCookie, sendNoContent, setResponseHeader } from 'h3'
import { withErrors } from '../lib/errors'
import { fingerprint } from '../lib/crypto'
import { clearRefreshCookie } from '../cookies'
import { assertSameOrigin } from '../http'
import { useAegis } from '../services'
import { callAegisHook } from '../hooks'

/** POST {authPath}/logout: revoke the session on the server and clear the cookie. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const { sessions, config } = useAegis()
  const token = getCookie(event, config.tokenRefresh.cookie.cookieName)
  const record = token ? await sessions.revoke(token) : undefined
  clearRefreshCookie(event)
  await callAegisHook('nuxt-aegis:logout', { user: record?.user, session: record ? fingerprint(record.familyId) : undefined, event })
  return sendNoContent(event, 204)
}))
