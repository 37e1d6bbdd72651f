import type { H3Event } from 'h3'
import { defineEventHandler, getCookie, getRequestHeader, sendRedirect } from 'h3'
import { useNitroApp } from 'nitropack/runtime'
import { AegisError, sendError } from '../lib/errors'
import { isUnder, normalizePath } from '../lib/paths'
import { parseBearer } from '../lib/tokens'
import { useAegis } from '../services'

/**
 * Route protection. Sets `event.context.user` (a copy of the claims) for every request with
 * a valid Bearer token. For paths under `routeProtection.protectedRoutes` (and not public):
 * server routes answer 401 JSON without one; full page loads that the Nuxt renderer serves
 * carry no Bearer token, so they render when the refresh cookie points to a live session
 * (read-only lookup) and are sent to the login page otherwise.
 * A valid access token never costs a storage read.
 */
export default defineEventHandler(async (event) => {
  const aegis = useAegis()
  const path = normalizePath(event.path)
  if (path === undefined) return sendError(event, new AegisError(400, 'invalid_request', 'path refused by the route normalizer'))
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  if (token) {
    const claims = await aegis.tokens.verify(token)
    if (claims) {
      event.context.user = { ...claims }
      return
    }
  }
  if (isUnder(path, aegis.config.endpoints.authPath) || !aegis.matcher.isProtected(path)) return
  if (token === undefined && isPageNavigation(event) && await servedByRenderer(event)) {
    const cookie = getCookie(event, aegis.config.tokenRefresh.cookie.cookieName)
    if (cookie && await aegis.sessions.get(cookie).catch(() => undefined)) return
    const login = aegis.config.redirect.login
    const target = event.node.req.originalUrl ?? event.node.req.url ?? event.path
    return sendRedirect(event, `${login}${login.includes('?') ? '&' : '?'}redirectTo=${encodeURIComponent(target)}`, 302)
  }
  return sendError(event, new AegisError(401, token === undefined ? 'unauthorized' : 'invalid_token'))
})

function isPageNavigation(event: H3Event): boolean {
  if (event.method !== 'GET' && event.method !== 'HEAD') return false
  const dest = getRequestHeader(event, 'sec-fetch-dest')
  if (dest) return dest === 'document'
  return (getRequestHeader(event, 'accept') ?? '').includes('text/html')
}

interface ResolvableRouter { handler: { __resolve__?: (path: string) => Promise<{ route?: string } | undefined> } }

/**
 * True when no server route claims the path, so Nuxt's page renderer (Nitro's `/**`
 * catch-all) would answer it. A server handler is never reached on the cookie alone.
 */
async function servedByRenderer(event: H3Event): Promise<boolean> {
  const router = (useNitroApp() as unknown as { router: ResolvableRouter }).router
  const resolved = await router.handler.__resolve__?.(event.path)
  return resolved?.route === '/**'
}
