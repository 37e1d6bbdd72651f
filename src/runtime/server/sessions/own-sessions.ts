import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'
import type { AegisClaims } from '../../types'
import { AegisError } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { parseBearer } from '../tokens/tokens'
import { assertSameOrigin } from '../context/http'
import { useAegis } from '../context/services'
import type { Session, SessionInfo } from './sessions'

/** Who calls a session-list endpoint: the claims of a valid access token, and its own, still live session. */
export interface SessionCaller {
  claims: AegisClaims & { sub: string, provider: string, sid: string }
  session: Session
}

/**
 * The caller of `<authPath>/sessions*`: a same-origin request with a valid `Authorization: Bearer`
 * access token whose session is still live (found through the user's index by the token's `sid`).
 * A token of a session that has ended cannot list or end the user's other sessions, and an
 * impersonation token (`act`) is refused.
 */
export async function sessionCaller(event: H3Event): Promise<SessionCaller> {
  assertSameOrigin(event)
  const { tokens, sessions } = useAegis()
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  const claims = token ? await tokens.verify(token) : undefined
  if (!claims) throw new AegisError(401, 'unauthorized', 'sessions endpoint without a valid access token')
  // Managing sessions is the account holder's own business, never an impersonator's.
  if (claims.act !== undefined) throw new AegisError(403, 'impersonation_not_allowed', 'sessions endpoint with an impersonation token')
  const { sub, provider, sid } = claims
  if (typeof provider !== 'string' || typeof sid !== 'string') throw new AegisError(401, 'unauthorized', 'access token without a session (sid)')
  const session = await sessions.findUserSession(sub, { sid }, { provider })
  if (!session) throw new AegisError(401, 'invalid_token', `the session ${fingerprint(sid)} of the access token has ended`)
  return { claims: claims as SessionCaller['claims'], session }
}

/** The caller's live sessions, newest first, the caller's own marked `current`. */
export function listOwnSessions({ claims }: SessionCaller): Promise<SessionInfo[]> {
  return useAegis().sessions.listUser(claims.sub, { provider: claims.provider, current: claims.sid })
}

/**
 * Ends one of the caller's sessions by its listed id; `undefined` when the caller has none with
 * that id (another user's id is just as unknown: only the caller's index is searched).
 */
export async function endOwnSession({ claims, session: own }: SessionCaller, id: string): Promise<{ session: Session, current: boolean } | undefined> {
  const { sessions } = useAegis()
  const session = await sessions.findUserSession(claims.sub, { id }, { provider: claims.provider })
  if (!session) return undefined
  await sessions.revokeFamily(session.familyId)
  return { session, current: session.familyId === own.familyId }
}

/** Ends every session of the caller's login identity but the caller's own; returns how many. */
export function endOtherSessions({ claims, session }: SessionCaller): Promise<number> {
  return useAegis().sessions.revokeUser(claims.sub, { provider: claims.provider, exceptFamilyId: session.familyId })
}
