import type { H3Event } from 'h3'
import { deleteCookie, getRequestURL, setCookie } from 'h3'
import { fingerprint } from '../core/crypto'
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

/** Sets the refresh cookie; it lives as long as the token (`maxAge` seconds, capped by the configured maxAge). */
export function setRefreshCookie(event: H3Event, token: string, maxAge?: number): void {
  const { cookie } = useAegis().config.tokenRefresh
  const configured = Number(cookie.maxAge)
  setCookie(event, cookie.cookieName, token, { ...attributes(event), maxAge: Math.min(configured, maxAge ?? configured) })
}

/** Clears the cookie with the same attributes it was set with, or browsers keep it. */
export function clearRefreshCookie(event: H3Event): void {
  deleteCookie(event, useAegis().config.tokenRefresh.cookie.cookieName, attributes(event))
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
