import { createRouteMatcher, normalizePath } from '../../server/protection/paths'
import type { RouteMatcher } from '../../server/protection/paths'

/**
 * The `routeProtection` globs for page navigations: the same normalizer and matcher as the
 * server. A lazy chunk: the page guard loads it only for a path that some protected glob may
 * match (`mayBeProtected` in the middleware), so an app whose globs guard other paths (`/api/**`)
 * never loads it on its public pages.
 */
let compiled: { key: string, matcher: RouteMatcher } | undefined

/** True when the globs protect `path`; a path the normalizer refuses counts as protected (never fail open). */
export function isProtectedPath(path: string, routeProtection: { protectedRoutes: string[], publicRoutes: string[] }): boolean {
  // Compiled once per set of globs (the runtime config object may be a new one per request).
  const key = JSON.stringify([routeProtection.protectedRoutes, routeProtection.publicRoutes])
  if (compiled?.key !== key) compiled = { key, matcher: createRouteMatcher(routeProtection.protectedRoutes, routeProtection.publicRoutes) }
  const normalized = normalizePath(path)
  return normalized === undefined || compiled.matcher.isProtected(normalized)
}
