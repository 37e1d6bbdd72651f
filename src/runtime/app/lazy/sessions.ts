import type { SessionInfo } from '../../types'

/**
 * The user's own session list ("your devices"), loaded on first use: `useAuth().sessions()`,
 * `revokeSession(id)` and `revokeOtherSessions()` import this chunk, so pages without a device
 * list never download it.
 */
export interface SessionsApi {
  authPath: string
  /** The client's fetch: the access token goes along, a 401 refreshes once. */
  fetch: <T>(url: string, options?: Record<string, unknown>) => Promise<T>
  /** Forgets the token in this tab and the others (the session it belonged to has ended). */
  forget: () => void
}

/** The caller's live sessions, newest first; the one of this tab has `current: true`. */
export async function listSessions(api: SessionsApi): Promise<SessionInfo[]> {
  const { sessions } = await api.fetch<{ sessions: SessionInfo[] }>(`${api.authPath}/sessions`, { method: 'GET' })
  return sessions
}

/**
 * Ends one session by its listed id. When it was this tab's own session the tab is logged out
 * (the token is forgotten here and in the other tabs); the result says so.
 */
export async function endSession(api: SessionsApi, id: string): Promise<{ current: boolean }> {
  const answer = await api.fetch<{ current: boolean }>(`${api.authPath}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', credentials: 'same-origin' })
  if (answer.current) api.forget()
  return { current: answer.current === true }
}

/** Ends every session of the user but this one; resolves to how many ended. */
export async function endOtherSessions(api: SessionsApi): Promise<number> {
  const { revoked } = await api.fetch<{ revoked: number }>(`${api.authPath}/sessions/revoke-others`, { method: 'POST' })
  return revoked
}
