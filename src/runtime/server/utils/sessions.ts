import type { H3Event } from 'h3'
import { getCookie } from 'h3'
import type { SessionInfo } from '../sessions/sessions'
import { useAegis } from '../context/services'

export type { SessionInfo }

/**
 * Ends every session (refresh-token family) of a user: "log out everywhere". Access tokens
 * already issued stay valid until they expire (`token.expiresIn`).
 * `keep: event` spares the session of that request's refresh cookie (e.g. after a password change);
 * `provider` limits it to logins through one provider. Returns how many sessions ended.
 */
export async function revokeUserSessions(sub: string, options: { keep?: H3Event, provider?: string } = {}): Promise<number> {
  const { sessions, config } = useAegis()
  let exceptFamilyId: string | undefined
  if (options.keep) {
    const cookie = getCookie(options.keep, config.tokenRefresh.cookie.cookieName)
    const current = cookie ? await sessions.get(cookie) : undefined
    if (current?.user.sub === sub) exceptFamilyId = current.familyId
  }
  return sessions.revokeUser(sub, { exceptFamilyId, provider: options.provider })
}

/** The live sessions of a user, newest first: ids are fingerprints, never tokens. */
export function listUserSessions(sub: string): Promise<SessionInfo[]> {
  return useAegis().sessions.listUser(sub)
}
