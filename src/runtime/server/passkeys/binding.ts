import type { H3Event } from 'h3'
import { getCookie, setCookie } from 'h3'
import { randomToken } from '../core/crypto'
import { cookieSecure } from '../context/cookies'
import { useAegis } from '../context/services'
import { CHALLENGE_PATTERN } from './challenges'

/** The cookie that binds a passkey challenge to the browser that asked for it. */
export const PASSKEY_COOKIE = 'nuxt-aegis-passkey'

function attributes(event: H3Event, maxAge: number) {
  // Strict: only the app's own pages ever call these endpoints. Sent only to <authPath>/passkey.
  return { httpOnly: true, secure: cookieSecure(event), sameSite: 'strict' as const, path: `${useAegis().config.endpoints.authPath}/passkey`, maxAge }
}

/**
 * The browser's binding: the random value of its passkey cookie, set (or kept, so two tabs
 * do not undo each other's challenges) by the options endpoints, for as long as a challenge lives.
 */
export function browserBinding(event: H3Event, ttlSeconds: number): string {
  const current = getCookie(event, PASSKEY_COOKIE)
  const value = current && CHALLENGE_PATTERN.test(current) ? current : randomToken(32)
  setCookie(event, PASSKEY_COOKIE, value, attributes(event, ttlSeconds))
  return value
}

/** The binding a verification request carries ('' when none: no challenge will match). */
export function presentedBinding(event: H3Event): string {
  const value = getCookie(event, PASSKEY_COOKIE)
  return value && CHALLENGE_PATTERN.test(value) ? value : ''
}
