import type { H3Event } from 'h3'
import { defineEventHandler, sendRedirect, setResponseHeader } from 'h3'
import { getRouteRules, useNitroApp } from 'nitropack/runtime'
import type { AegisClaims } from '../../types'
import { isTruthy } from '../context/config'
import { handlers } from '#nitro-internal-virtual/server-handlers'
import { REFRESH_COOKIE_SEEN, isCachingRule } from './cache-rules'
import { AegisError, sendError } from '../core/errors'
import { isUnder, normalizePath } from './paths'
import { rendererRoutes } from './renderer-routes'
import { parseBearer } from '../tokens/tokens'
import { getRefreshCookie, hasSessionHint, setSessionHint } from '../context/cookies'
import { tokenClaims } from '../tokens/claims'
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
 * - Routes with a cache rule (`swr`, `cache`, `isr`) get no SSR session: their HTML is stored
 *   once and served to everyone. Nitro's cache renders on a response of its own (sharing
 *   `event.context`), so a header set here would not keep user A's page out of it.
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
  const navigation = token === undefined && isPageNavigation(event)
  const rules = navigation ? getRouteRules(event) : undefined
  if (rules && isCachingRule(rules)) noteCookieForCachedRender(event)
  if (rules && (isProtected || ssrSessionOn) && await servedByRenderer(event)) {
    // No user in HTML that is rendered in the browser only (`ssr: false`: a shell) or that a
    // cache stores for everyone.
    const ssrSession = ssrSessionOn && rules.ssr !== false && !isCachingRule(rules)
    if (!isProtected && !ssrSession) return
    const session = await pageSession(event)
    if (session === 'unavailable') {
      if (isProtected) return sendError(event, new AegisError(503, 'storage_unavailable'))
      return
    }
    if (ssrSession) event.context.aegisSession = { user: session }
    // A page rendered for a user (their data in it, or only past their login) is never stored
    // for someone else. The app's middleware sets the same on the render itself, for caches.
    if (session && (ssrSession || isProtected)) {
      setResponseHeader(event, 'cache-control', 'private, no-store')
      // A session from before the hint existed (or whose hint was lost): give it one on this
      // private response, so the browser refreshes. Never on a response that may be cached.
      if (!isCachingRule(rules) && !hasSessionHint(event)) setSessionHint(event, Number(aegis.config.tokenRefresh.cookie.maxAge))
    }
    if (!isProtected || session) return
    const login = aegis.config.redirect.login
    const target = event.node.req.originalUrl ?? event.node.req.url ?? event.path
    return sendRedirect(event, `${login}${login.includes('?') ? '&' : '?'}redirectTo=${encodeURIComponent(target)}`, 302)
  }
  // A stale revocation list under `onStale: 'refuse'`: the token may be fine, the check is not (retry).
  if (isProtected && token && aegis.revocations.refusingAll) return sendError(event, new AegisError(503, 'storage_unavailable', 'revocation list stale'))
  if (isProtected) return sendError(event, new AegisError(401, token === undefined ? 'unauthorized' : 'invalid_token'))
}

/** The user of the request's refresh cookie (read-only), null without a live session, or 'unavailable' on storage trouble. */
async function pageSession(event: H3Event): Promise<AegisClaims | null | 'unavailable'> {
  const aegis = useAegis()
  const cookie = getRefreshCookie(event)
  if (!cookie) return null
  try {
    const session = await aegis.sessions.get(cookie.token, { legacyCookie: cookie.legacy })
    return session ? tokenClaims(session.user, session.claims, { familyId: session.familyId, amr: session.amr }) : null
  }
  catch {
    return 'unavailable'
  }
}

function isPageNavigation(event: H3Event): boolean {
  if (event.method !== 'GET' && event.method !== 'HEAD') return false
  // Read directly: h3's getRequestHeader copies every header per call.
  const headers = event.node.req.headers
  const dest = headers['sec-fetch-dest']
  if (dest) return dest === 'document'
  return (headers.accept ?? '').includes('text/html')
}

/** On a caching route, tells the render whether the refresh cookie came (it cannot see it). */
function noteCookieForCachedRender(event: H3Event): void {
  (event.context as Record<string, unknown>)[REFRESH_COOKIE_SEEN] = Boolean(getRefreshCookie(event))
}

interface ResolvableRouter { handler: { __resolve__?: (path: string) => Promise<{ route?: string } | undefined> } }

let pageRoutes: Set<string> | undefined

/**
 * True when Nuxt's page renderer answers the path: the router resolves it to one of the
 * renderer's routes (`/**`, or a cache-rule path Nitro registered the renderer at again).
 * A server handler is never reached on the cookie alone.
 */
async function servedByRenderer(event: H3Event): Promise<boolean> {
  const router = (useNitroApp() as unknown as { router: ResolvableRouter }).router
  const resolved = await router.handler.__resolve__?.(event.path)
  pageRoutes ??= rendererRoutes(handlers)
  return resolved?.route !== undefined && pageRoutes.has(resolved.route)
}
