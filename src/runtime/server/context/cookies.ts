import type { H3Event } from 'h3'
import { deleteCookie, getCookie, getRequestURL, setCookie } from 'h3'
import { fingerprint } from '../core/crypto'
import { SESSION_HINT_SUFFIX } from '../protection/cache-rules'
import { useAegis } from './services'

/**
 * Whether cookies get `Secure`: as configured, except in dev on plain http://localhost,
 * where browsers would drop them (documented dev exception).
 */
export function cookieSecure(event: H3Event): boolean {
  const configured = useAegis().config.tokenRefresh.cookie.secure !== false
  if (!configured) return false
  if (import.meta.dev) {
    const url = getRequestURL(event)
    if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return false
  }
  return true
}

function attributes(event: H3Event) {
  const { cookie } = useAegis().config.tokenRefresh
  return {
    httpOnly: true,
    secure: cookieSecure(event),
    sameSite: cookie.sameSite,
    path: cookie.path || '/',
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  }
}

/**
 * The refresh cookie's name: `cookieName` with the `__Host-` prefix when the cookie is Secure,
 * `Path=/` and host-only (the default in production), so that no subdomain or plain-http page
 * can set or shadow it. `legacy` is the name without the prefix (before 0.2): still read, and
 * cleared, for one version, and only for sessions issued before the prefix (see `getRefreshCookie`).
 */
function refreshCookieNames(event: H3Event, attrs = attributes(event)): { current: string, legacy?: string } {
  const name = useAegis().config.tokenRefresh.cookie.cookieName
  const prefixed = attrs.secure && attrs.path === '/' && !attrs.domain && !/^__(?:Host|Secure)-/i.test(name)
  return prefixed ? { current: `__Host-${name}`, legacy: name } : { current: name }
}

/**
 * True when the refresh cookie set on this request carries the `__Host-` prefix: sessions
 * created then record it, so their tokens are never taken from the unprefixed name.
 */
export function refreshCookieHostPrefixed(event: H3Event): boolean {
  return refreshCookieNames(event).legacy !== undefined
}

export interface RefreshCookie {
  token: string
  /**
   * Read under the old unprefixed name while the `__Host-` one is in use. Any subdomain can set
   * that name for the whole site (cookie tossing), so the session store accepts such a token
   * only for a family issued before the prefix (login CSRF otherwise).
   */
  legacy: boolean
}

/** The refresh token of the request: the current cookie, else the one under the old name (marked `legacy`). */
export function getRefreshCookie(event: H3Event): RefreshCookie | undefined {
  const { current, legacy } = refreshCookieNames(event)
  const token = getCookie(event, current)
  if (token) return { token, legacy: false }
  const old = legacy ? getCookie(event, legacy) : undefined
  return old ? { token: old, legacy: true } : undefined
}

/** Sets the refresh cookie; it lives as long as the token (`maxAge` seconds, capped by the configured maxAge). */
export function setRefreshCookie(event: H3Event, token: string, maxAge?: number): void {
  const { cookie } = useAegis().config.tokenRefresh
  const configured = Number(cookie.maxAge)
  const attrs = attributes(event)
  const { current, legacy } = refreshCookieNames(event, attrs)
  const lifetime = Math.min(configured, maxAge ?? configured)
  setCookie(event, current, token, { ...attrs, maxAge: lifetime })
  // The old name moves to the new one: its token was just used, so it is stale now.
  if (legacy && getCookie(event, legacy) !== undefined) deleteCookie(event, legacy, attrs)
  setSessionHint(event, lifetime, attrs)
}

/** Clears the cookie (under both names) with the same attributes it was set with, or browsers keep it. The hint goes with it. */
export function clearRefreshCookie(event: H3Event): void {
  const attrs = attributes(event)
  const { current, legacy } = refreshCookieNames(event, attrs)
  deleteCookie(event, current, attrs)
  if (legacy) deleteCookie(event, legacy, attrs)
  clearSessionHint(event, attrs)
}

/**
 * The session hint (`SESSION_HINT_SUFFIX`): readable by scripts (no HttpOnly) and on every path
 * (`Path=/`, the pages read it), otherwise like the refresh cookie (Secure, SameSite, Domain);
 * `__Host-` when Secure and host-only, so a subdomain cannot plant one for this host.
 */
function sessionHint(event: H3Event, attrs = attributes(event)) {
  const name = `${useAegis().config.tokenRefresh.cookie.cookieName}${SESSION_HINT_SUFFIX}`
  const prefixed = attrs.secure && !attrs.domain && !/^__(?:Host|Secure)-/i.test(name)
  return {
    name: prefixed ? `__Host-${name}` : name,
    attrs: { httpOnly: false, secure: attrs.secure, sameSite: attrs.sameSite, path: '/', ...(attrs.domain ? { domain: attrs.domain } : {}) },
  }
}

/** Sets the hint for `maxAge` seconds (the refresh cookie's lifetime). */
export function setSessionHint(event: H3Event, maxAge: number, attrs = attributes(event)): void {
  const hint = sessionHint(event, attrs)
  setCookie(event, hint.name, '1', { ...hint.attrs, maxAge })
}

/** True when the request carries the hint. */
export function hasSessionHint(event: H3Event): boolean {
  return getCookie(event, sessionHint(event).name) !== undefined
}

/** Clears the hint when the request carries one (a response without it sends no Set-Cookie). */
export function clearSessionHint(event: H3Event, attrs = attributes(event)): void {
  const hint = sessionHint(event, attrs)
  if (getCookie(event, hint.name) !== undefined) deleteCookie(event, hint.name, hint.attrs)
}

/**
 * Binds a CODE to the browser that finished the login: one cookie per CODE (named by a
 * fingerprint of it, so two tabs back from the provider at once do not overwrite each
 * other), only sent to `<authPath>/token`.
 */
export const HANDOFF_COOKIE_PREFIX = 'nuxt-aegis-handoff-'

export function handoffCookieName(code: string): string {
  return `${HANDOFF_COOKIE_PREFIX}${fingerprint(code)}`
}

/**
 * Attributes of the short-lived login cookies (transaction, handoff): HttpOnly, Lax (they must
 * survive the top-level redirect back from the provider), and sent only to `<authPath>/<subPath>`.
 */
export function loginCookieAttributes(event: H3Event, subPath: string) {
  return { httpOnly: true, secure: cookieSecure(event), sameSite: 'lax' as const, path: `${useAegis().config.endpoints.authPath}/${subPath}` }
}

export function setHandoffCookie(event: H3Event, code: string, value: string): void {
  setCookie(event, handoffCookieName(code), value, { ...loginCookieAttributes(event, 'token'), maxAge: Number(useAegis().config.authCode.expiresIn) })
}

export function clearHandoffCookie(event: H3Event, code: string): void {
  deleteCookie(event, handoffCookieName(code), loginCookieAttributes(event, 'token'))
}
