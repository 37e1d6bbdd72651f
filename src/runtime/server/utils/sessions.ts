import type { H3Event } from 'h3'
import type { SessionInfo } from '../sessions/sessions'
import { getRefreshCookie } from '../context/cookies'
import { useAegis } from '../context/services'

export type { SessionInfo }

/**
 * Whose sessions: a login identity (`{ sub, provider }`, e.g. the user of `getAuthUser(event)`),
 * or a bare `sub`. Identity is (provider, sub): a local account `12345` and GitHub user 12345
 * are two users. A bare `sub` without `options.provider` means that sub with every provider it
 * logged in with (as before; a warning is logged when that spans several providers).
 */
export type SessionOwner = string | { sub: string, provider: string, sid?: string }

function identity(owner: SessionOwner, provider?: string): { sub: string, provider?: string } {
  return typeof owner === 'string' ? { sub: owner, provider } : { sub: owner.sub, provider: owner.provider }
}

/**
 * Ends every session (refresh-token family) of a user: "log out everywhere". Their access tokens
 * are refused from then on (the revocation list: here at once, elsewhere within `revocation.refreshMs`).
 * `keep: event` spares the session of that request's refresh cookie (e.g. after a password change);
 * `provider` names the provider of a bare `sub`. Returns how many sessions ended.
 */
export async function revokeUserSessions(owner: SessionOwner, options: { keep?: H3Event, provider?: string } = {}): Promise<number> {
  const { sessions } = useAegis()
  const { sub, provider } = identity(owner, options.provider)
  let exceptFamilyId: string | undefined
  if (options.keep) {
    const cookie = getRefreshCookie(options.keep)
    const current = cookie ? await sessions.get(cookie.token, { legacyCookie: cookie.legacy }) : undefined
    if (current?.user.sub === sub && (provider === undefined || current.user.provider === provider)) exceptFamilyId = current.familyId
  }
  return sessions.revokeUser(sub, { exceptFamilyId, provider })
}

/**
 * The live sessions of a user (see `SessionOwner`), newest first: ids are fingerprints, never
 * tokens. Given the user of `getAuthUser(event)` (its claims carry `sid`), the request's own
 * session is marked `current`. Found through the user's index, never a scan.
 */
export function listUserSessions(owner: SessionOwner, options: { provider?: string } = {}): Promise<SessionInfo[]> {
  const { sub, provider } = identity(owner, options.provider)
  const current = typeof owner === 'object' && typeof owner.sid === 'string' ? owner.sid : undefined
  return useAegis().sessions.listUser(sub, { provider, current })
}

/**
 * Ends one session of a user by the `id` that `listUserSessions` shows. Only that user's sessions
 * are searched (their index): an id of someone else's session ends nothing. True when one ended.
 * Like every session end, it stops the session's refresh token at once, and its access tokens
 * through the revocation list.
 */
export async function revokeSession(owner: SessionOwner, id: string, options: { provider?: string } = {}): Promise<boolean> {
  if (typeof id !== 'string' || !id) return false
  const { sessions } = useAegis()
  const { sub, provider } = identity(owner, options.provider)
  const session = await sessions.findUserSession(sub, { id }, { provider })
  if (!session) return false
  await sessions.revokeFamily(session.familyId)
  return true
}
