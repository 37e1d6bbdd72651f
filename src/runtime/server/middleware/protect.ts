import type { H3Event } from 'h3'
import { defineEventHandler, getCookie, getRequestHeader, sendRedirect } from 'h3'
import { AegisError, sendError } from '../lib/errors'
import { isUnder, normalizePath } from '../lib/paths'
import { parseBearer } from '../lib/tokens'
import { useAegis } from '../services'

/**
 * Route protection. Sets `event.context.user` for every request with a valid Bearer token;
 * for paths under `routeProtection.protectedRoutes` (and not public) it answers 401 JSON to
 * API requests without one, and sends page navigations without a live session to the login page.
 * Never touches storage for a valid access token.
 */
export default defineEventHandler(async (event) => {
  const aegis = useAegis()
  const path = normalizePath(event.path)
  if (path === undefined) return sendError(event, new AegisError(400, 'invalid_request', 'undecodable path'))
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  if (token) {
    const claims = await aegis.tokens.verify(token)
    if (claims) {
      event.context.user = claims
      return
    }
  }
  if (isUnder(path, aegis.config.endpoints.authPath) || !aegis.matcher.isProtected(path)) return
  if (token === undefined && isPageNavigation(event)) {
    // A full page load carries no Bearer token: a live session (read-only lookup) lets it render.
    const cookie = getCookie(event, aegis.config.tokenRefresh.cookie.cookieName)
    if (cookie && await aegis.sessions.get(cookie).catch(() => undefined)) return
    const login = aegis.config.redirect.login
    return sendRedirect(event, `${login}${login.includes('?') ? '&' : '?'}redirectTo=${encodeURIComponent(event.path)}`, 302)
  }
  return sendError(event, new AegisError(401, token === undefined ? 'unauthorized' : 'invalid_token'))
})

function isPageNavigation(event: H3Event): boolean {
  if (event.method !== 'GET' && event.method !== 'HEAD') return false
  const dest = getRequestHeader(event, 'sec-fetch-dest')
  if (dest) return dest === 'document'
  return (getRequestHeader(event, 'accept') ?? '').includes('text/html')
}
