import { AegisError } from '../core/errors'
import type { SessionStore } from './session-store-types'

/**
 * Seconds a refresh that read a session before it ended may still take to sign its token: the
 * revocation entry of an ended session outlives the access-token lifetime by this margin.
 */
export const IN_FLIGHT_MARGIN_S = 30

/**
 * A refresh that took long between rotating and signing (a slow `nuxt-aegis:refresh` hook or
 * claims function) looks at its session once more before it signs: a session that ended
 * meanwhile may have a revocation entry that runs out before the new token would. Quick refreshes
 * (nearly all) skip the read: their token cannot outlive the entry.
 */
export async function assertStillLive(sessions: Pick<SessionStore, 'get'>, token: string, startedAt: number, now = Date.now()): Promise<void> {
  if (now - startedAt < (IN_FLIGHT_MARGIN_S * 1000) / 2) return
  if (!(await sessions.get(token))) throw new AegisError(401, 'invalid_refresh_token', 'the session ended while the refresh was under way')
}
