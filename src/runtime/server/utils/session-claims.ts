import type { H3Event } from 'h3'
import { isEvent } from 'h3'
import type { AegisUser, ClaimValue } from '../../types'
import { filterClaims } from '../tokens/claims'
import { useAegis } from '../context/services'
import { getAuthUser } from './auth'
import type { SessionOwner } from './sessions'

/** New custom claims from the current ones of a session (return them all: the result replaces them). */
export type SessionClaimsUpdater = (claims: Record<string, ClaimValue>, user: AegisUser) => Record<string, unknown> | Promise<Record<string, unknown>>

/**
 * Changes the custom claims of every live session of a user, e.g. after a role change:
 * `updateSessionClaims(user, { role: 'admin' })` sets those claims over the current ones,
 * `updateSessionClaims(sub, claims => ({ ...claims, plan: 'pro' }))` replaces them with what the
 * function returns. Whose: a login identity (`{ sub, provider }`), a bare `sub` (every provider it
 * logged in with, or `options.provider`), or an event (the user of its valid access token).
 *
 * The claims are filtered like `customClaims` (reserved and non-primitive ones dropped) and kept:
 * refreshes do not run the claims function over them until the next `updateSessionClaims`, a
 * `refresh({ updateClaims: true })` or a new login. The sessions' older access tokens are refused
 * from now on (the revocation list: here at once, on Redis at once, elsewhere within
 * `revocation.refreshMs`), so clients refresh and get the new claims. Returns how many sessions changed.
 */
export async function updateSessionClaims(target: SessionOwner | H3Event, claims: Record<string, unknown> | SessionClaimsUpdater, options: { provider?: string } = {}): Promise<number> {
  const owner = isEvent(target) ? await getAuthUser(target as H3Event) : target as SessionOwner
  const sub = typeof owner === 'string' ? owner : owner.sub
  const provider = typeof owner === 'string' ? options.provider : owner.provider
  if (typeof sub !== 'string' || !sub) throw new TypeError('updateSessionClaims: a sub, a user or an event is required')
  if (typeof claims !== 'function' && (claims === null || typeof claims !== 'object' || Array.isArray(claims))) throw new TypeError('updateSessionClaims: claims must be an object or a function')
  const changed = await useAegis().sessions.updateClaims({
    sub,
    provider,
    pin: true,
    change: async (current, session) => filterClaims(typeof claims === 'function' ? await claims({ ...current }, session.user) : { ...current, ...claims }),
  })
  return changed.length
}
