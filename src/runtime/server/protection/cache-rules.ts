/**
 * Route rules that cache responses (`swr`, `cache`, `isr`). Whatever such a route renders is
 * stored once and served to everyone after, by Nitro's cache or by a platform's edge (ISR):
 * nothing rendered there may be about the user who happened to ask first.
 */
import { compileGlob, isUnder } from './paths'

/**
 * `event.context` key: whether the refresh cookie came with a page load on a caching route.
 * Nitro's route cache renders on a copy of the request without its headers (cookies included)
 * that shares `event.context`; the app's page guard reads this instead. Only the fact, never
 * the cookie.
 */
export const REFRESH_COOKIE_SEEN = 'aegisRefreshCookie'

/**
 * The session hint cookie is `<cookieName>-hint` (`__Host-<cookieName>-hint` when Secure and
 * host-only): a script-readable `1`, set and cleared together with the HttpOnly refresh cookie, so
 * the browser knows whether there is a session to refresh without asking the server. It carries
 * no token and grants nothing; the refresh cookie stays the only credential.
 */
export const SESSION_HINT_SUFFIX = '-hint'

/** The caching keys of a route rule (its other keys do not matter here). */
export interface CacheRouteRule {
  swr?: unknown
  cache?: unknown
  isr?: unknown
}

/**
 * True for a rule that caches: `swr: 60`, `cache: { maxAge }`, `isr: true | 60`. Nitro turns
 * `swr` into `cache` (so `getRouteRules(event)` only shows `cache`); `isr` is cached by the
 * platform (Vercel, Netlify) before the server runs. `cache: false` and `isr: false` switch off.
 */
export function isCachingRule(rule: CacheRouteRule | undefined): boolean {
  if (!rule || rule.cache === false) return false
  return Boolean(rule.swr) || Boolean(rule.cache) || (rule.isr !== undefined && rule.isr !== false)
}

/**
 * Caching route rules whose pattern can meet a protected glob. Errs towards reporting: two
 * patterns with wildcards count as meeting when one literal prefix is under the other.
 */
export function cachedProtectedRules(
  rules: Record<string, CacheRouteRule | undefined>,
  protectedRoutes: string[],
): Array<{ pattern: string, glob: string }> {
  const found: Array<{ pattern: string, glob: string }> = []
  for (const [pattern, rule] of Object.entries(rules)) {
    if (!isCachingRule(rule)) continue
    const glob = protectedRoutes.find(glob => patternsMeet(nitroPatternAsGlob(pattern), glob))
    if (glob) found.push({ pattern, glob })
  }
  return found
}

/** A Nitro route pattern in glob syntax: `:id` is one segment (`*`), `**:rest` any number (`**`). */
function nitroPatternAsGlob(pattern: string): string {
  const path = pattern.startsWith('/') ? pattern : `/${pattern}`
  return path.split('/').map(segment => segment.startsWith('**') ? '**' : segment.startsWith(':') ? '*' : segment).join('/')
}

function patternsMeet(a: string, b: string): boolean {
  const literalA = !/[*?]/.test(a)
  const literalB = !/[*?]/.test(b)
  try {
    if (literalA) return compileGlob(b).test(normal(a))
    if (literalB) return compileGlob(a).test(normal(b))
  }
  catch {
    return true // a pattern we cannot read: report it rather than stay silent
  }
  const prefixA = literalPrefix(a)
  const prefixB = literalPrefix(b)
  return isUnder(prefixA, prefixB) || isUnder(prefixB, prefixA)
}

/** The segments before the first wildcard one, e.g. `/members` for `/members/*\/edit`. */
function literalPrefix(glob: string): string {
  const segments: string[] = []
  for (const segment of glob.toLowerCase().split('/')) {
    if (/[*?]/.test(segment)) break
    if (segment !== '') segments.push(segment)
  }
  return `/${segments.join('/')}`
}

const normal = (path: string) => (path.toLowerCase().replace(/\/+$/, '') || '/')
