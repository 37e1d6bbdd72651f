import type { H3Event } from 'h3'
import type { ImpersonationActor, TokenResponse } from '../../types'
import { isAegisError, toH3Error } from '../core/errors'
import { startImpersonation as start, stopImpersonation as stop } from '../impersonation/impersonate'
import type { StartOptions } from '../impersonation/impersonate'

/** Module errors as the app's handler expects them (Nitro's error format, `data: { error, message }`). */
async function asH3<T>(event: H3Event, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  }
  catch (error) {
    throw isAegisError(error) ? toH3Error(event, error) : error
  }
}

/**
 * Lets the request's user act as `targetSub` for a short while (`impersonation.expiresIn`,
 * 15 min by default, at most `token.expiresIn`). Needs `impersonation.enabled`, a same-origin
 * request with the actor's own access token of a live session, and a `nuxt-aegis:canImpersonate`
 * handler that allows it. Returns the impersonation access token: its `sub` is the target, its
 * `act` claim (RFC 8693) the actor, its `sid` the actor's session; there is no refresh token.
 * Errors: 403 `impersonation_forbidden` (no handler, refused, another user answered),
 * 403 `impersonation_chain` (already impersonating), 401, 403 `cross_site_request`, 404 while off.
 */
export function startImpersonation(event: H3Event, targetSub: string, options?: StartOptions): Promise<TokenResponse> {
  return asH3(event, () => start(event, targetSub, options))
}

/** Ends the request's impersonation (its token is the impersonation token): fires `nuxt-aegis:impersonationEnd`, returns the actor. */
export function stopImpersonation(event: H3Event): Promise<{ actor: ImpersonationActor }> {
  return asH3(event, () => stop(event))
}
