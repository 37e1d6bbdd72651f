import type { TokenResponse } from '../../types'

/**
 * Impersonation in the browser, loaded on first use (`useAuth().impersonate()` and
 * `stopImpersonation()`), so apps without it never download it.
 */
export interface ImpersonationApi {
  authPath: string
  /** The client's fetch: the access token goes along. */
  fetch: <T>(url: string, options?: Record<string, unknown>) => Promise<T>
  /** Takes a token as this tab's (and the other tabs') own. */
  adopt: (response: TokenResponse) => void
  /** A new access token from the refresh cookie: the actor's own session. */
  refresh: (stale: string | null) => Promise<string | null>
  getToken: () => string | null
}

/** Starts acting as `sub`: the impersonation token replaces the actor's in this tab and its siblings. */
export async function impersonate(api: ImpersonationApi, sub: string, reason?: string): Promise<void> {
  const response = await api.fetch<TokenResponse>(`${api.authPath}/impersonate`, {
    method: 'POST',
    body: reason === undefined ? { sub } : { sub, reason },
  })
  api.adopt(response)
}

/**
 * Back to the actor: tells the server (the end hook) while the impersonation token is still
 * valid, then gets the actor's own token from the refresh cookie. The actor is back even when
 * the server call fails (an expired impersonation token).
 */
export async function stopImpersonation(api: ImpersonationApi): Promise<void> {
  const token = api.getToken()
  // Whatever the server says (an impersonation token that just expired gets a 401), this tab goes back.
  await api.fetch(`${api.authPath}/impersonate/stop`, { method: 'POST' }).catch(() => undefined)
  await api.refresh(token)
}
