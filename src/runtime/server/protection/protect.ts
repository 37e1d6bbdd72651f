import type { H3Event } from 'h3'
import { defineEventHandler, getCookie, getRequestHeader, sendRedirect, setResponseHeader } from 'h3'
import { getRouteRules, useNitroApp } from 'nitropack/runtime'
import type { AegisClaims } from '../../types'
import { isTruthy } from '../context/config'
import { AegisError, sendError } from '../core/errors'
import { isUnder, normalizePath } from './paths'
import { parseBearer } from '../tokens/tokens'
import { tokenClaims } from '../tokens/issue'
import { useAegis } from '../context/services'

/**
 * Route protection and the SSR session lookup.
 * - Every request with a valid Bearer token gets `event.context.user` (a copy of the claims);
 *   a valid access token never costs a storage read.
 * - Server routes under `routeProtection.protectedRoutes` (and not public) answer 401 JSON
 *   without one; they are never let through on the refresh cookie.
 * - Full page loads that the Nuxt renderer serves carry no Bearer token: the refresh cookie is
 *   looked up read-only (no rotation, no Set-Cookie) and the result goes to
 *   `event.context.aegisSession` for the app's state; a protected page without a live session
 *   is sent to the login page.
 */
export default defineEventHandler((event) => {
  const aegis = useAegis()
  const path = normalizePath(event.path)
  if (path === undefined) return sendError(event, new AegisError(400, 'invalid_request', 'path refused by the route normalizer'))
  // Read directly: h3's getRequestHeader copies every header per call. Node keeps one Authorization header.
  const header = event.node.req.headers.authorization
  // The hot path: a token verified before answers synchronously (no promise, no HMAC, no storage).
  // Its characters need no check here: it must equal, in full, a token verified before.
  if (header !== undefined) {
    const claims = aegis.tokens.verifyBearerCached(header)
    if (claims) {
      event.context.user = { ...claims }
      return
    }
  }
  return guard(event, path, parseBearer(header))
})

async function guard(event: H3Event, path: string, token: string | null | undefined) {
  const aegis = useAegis()
  if (token) {
    const claims = await aegis.tokens.verify(token)
    if (claims) {
      event.context.user = { ...claims }
      return
    }
  }
  const isProtected = !isUnder(path, aegis.config.endpoints.authPath) && aegis.matcher.isProtected(path)
  // Never while prerendering: that HTML is served to everyone.
  const ssrSessionOn = !import.meta.prerender && (aegis.config.ssrSession === undefined || isTruthy(aegis.config.ssrSession))
  if (token === undefined && (isProtected || ssrSessionOn) && isPageNavigation(event) && await servedByRenderer(event)) {
    // A route rendered in the browser only (`ssr: false`) serves a shell with no user in it.
    const ssrSession = ssrSessionOn && getRouteRules(event).ssr !== false
    if (!isProtected && !ssrSession) return
    const session = await pageSession(event)
    if (ssrSession && session !== 'unavailable') {
      event.context.aegisSession = { user: session }
      // A page rendered for a user must never be cached for someone else.
      if (session) setResponseHeader(event, 'cache-control', 'private, no-store')
    }
    if (!isProtected || session) return
    if (session === 'unavailable') return sendError(event, new AegisError(503, 'storage_unavailable'))
    const login = aegis.config.redirect.login
    const target = event.node.req.originalUrl ?? event.node.req.url ?? event.path
    return sendRedirect(event, `${login}${login.includes('?') ? '&' : '?'}redirectTo=${encodeURIComponent(target)}`, 302)
  }
  if (isProtected) return sendError(event, new AegisError(401, token === undefined ? 'unauthorized' : 'invalid_token'))
}

/** The user of the request's refresh cookie (read-only), null without a live session, or 'unavailable' on storage trouble. */
async function pageSession(event: H3Event): Promise<AegisClaims | null | 'unavailable'> {
  const aegis = useAegis()
  const cookie = getCookie(event, aegis.config.tokenRefresh.cookie.cookieName)
  if (!cookie) return null
  try {
    const session = await aegis.sessions.get(cookie)
    return session ? tokenClaims(session.user, session.claims) : null
  }
  catch {
    return 'unavailable'
  }
}

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
