import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'
import type { AegisUser } from '../../types'
import { AegisError, toH3Error } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { parseBearer } from '../tokens/tokens'
import { useAegis } from '../context/services'

export type AuthenticatedEvent = H3Event & { context: { user: AegisUser } }

async function userOf(event: H3Event): Promise<AegisUser | undefined> {
  if (event.context.user) return event.context.user as AegisUser
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  if (!token) return undefined
  const claims = await useAegis().tokens.verify(token)
  if (!claims) return undefined
  event.context.user = { ...claims }
  return event.context.user as AegisUser
}

/**
 * Through the module's one error mapping, so the 401 carries `no-store` and `WWW-Authenticate`
 * like every other (Nitro would answer `no-cache`); getProviderToken and app routes rely on it.
 */
function unauthorized(event: H3Event) {
  const error = toH3Error(event, new AegisError(401, 'unauthorized'))
  error.statusMessage = 'Unauthorized'
  return error
}

/**
 * The user of the request's valid access token (its claims); throws a 401 otherwise.
 * Sets `WWW-Authenticate: Bearer` and `Cache-Control: no-store` on the response.
 */
export function getAuthUser<T extends AegisUser = AegisUser>(event: H3Event): Promise<T> {
  // Set by route protection for every request with a valid token: answer without another async hop.
  if (event.context.user) return Promise.resolve(event.context.user as T)
  return verifiedUser<T>(event)
}

async function verifiedUser<T extends AegisUser>(event: H3Event): Promise<T> {
  const user = await userOf(event)
  if (!user) throw unauthorized(event)
  return user as T
}

export interface RequireAuthOptions {
  /**
   * `false`: refuse impersonation tokens (those with an `act` claim) with 403
   * `impersonation_not_allowed`, for routes that must never run under impersonation (password
   * change, passkeys, the session list). @default true
   */
  allowImpersonation?: boolean
  /**
   * Demand a login that passed a second factor: the token's `amr` (set by the module's own
   * flows only, never by custom claims or stored claims) contains `mfa`. 403 `mfa_required` otherwise.
   */
  mfa?: boolean
}

/** Asserts a valid access token (and with `{ mfa: true }` a second factor) and returns the event with `context.user` typed as set. */
export async function requireAuth(event: H3Event, options: RequireAuthOptions = {}): Promise<AuthenticatedEvent> {
  const user = await getAuthUser(event)
  if (options.allowImpersonation === false && user.act !== undefined) {
    throw toH3Error(event, new AegisError(403, 'impersonation_not_allowed', `route refused an impersonation token of ${fingerprint(String((user.act as { sub?: unknown }).sub))}`))
  }
  if (options.mfa && !(Array.isArray(user.amr) && user.amr.includes('mfa'))) throw toH3Error(event, new AegisError(403, 'mfa_required'))
  return event as AuthenticatedEvent
}
