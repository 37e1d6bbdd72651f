import type { H3Event } from 'h3'
import { deleteCookie, getCookie, setCookie } from 'h3'
import { fingerprint } from '../core/crypto'
import { loginCookieAttributes } from '../context/cookies'
import { STEP_TOKEN } from './step'

/**
 * The cookie that binds a second-factor step to the browser that logged in: one per step (named
 * by a fingerprint of its token, so two logins in two tabs do not overwrite each other), HttpOnly,
 * Lax, sent only to `<authPath>/mfa/verify`, living as long as the step. A step token read from
 * the 202 answer (logs, a script, another device) is useless without it. Path-scoped like the
 * transaction and handoff cookies, so not `__Host-` (that prefix needs `Path=/`).
 */
export const STEP_COOKIE_PREFIX = 'nuxt-aegis-mfa-'

const cookieName = (stepToken: string) => `${STEP_COOKIE_PREFIX}${fingerprint(stepToken)}`
const attributes = (event: H3Event) => loginCookieAttributes(event, 'mfa/verify')

export function setStepCookie(event: H3Event, stepToken: string, binding: string, maxAge: number): void {
  setCookie(event, cookieName(stepToken), binding, { ...attributes(event), maxAge })
}

/** The binding the request carries for `stepToken` ('' when none: no step matches). */
export function stepCookie(event: H3Event, stepToken: string): string {
  const value = getCookie(event, cookieName(stepToken))
  return value && STEP_TOKEN.test(value) ? value : ''
}

/** Clears the step's cookie when the request carries it (the step ended: finished, dead or unknown). */
export function clearStepCookie(event: H3Event, stepToken: string): void {
  if (getCookie(event, cookieName(stepToken)) !== undefined) deleteCookie(event, cookieName(stepToken), attributes(event))
}
