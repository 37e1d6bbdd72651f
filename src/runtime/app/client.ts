import type { AegisClaims, TokenResponse } from '../types'

/**
 * The browser side of a session: the access token in memory only, one refresh at a time,
 * a refresh scheduled before `exp`, and a fetch that attaches the token to same-origin calls.
 */
export interface AuthClientOptions {
  authPath: string
  /** Called whenever the user changes (login, refresh, logout). */
  onUser: (user: AegisClaims | null) => void
  /** `$fetch` of the app. */
  fetch: <T>(url: string, options?: Record<string, unknown>) => Promise<T>
  automaticRefresh: boolean
}

export type AuthClient = ReturnType<typeof createAuthClient>

/** `useNuxtApp().$aegis`: the client plus a promise of the start-up session check. */
export type AegisClient = AuthClient & { ready: () => Promise<unknown> }

/** Decodes a JWT payload without verifying it: the server verifies, the client only reads. */
export function decodeClaims(token: string): AegisClaims | null {
  try {
    const part = token.split('.')[1]!
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='))
    return JSON.parse(decodeURIComponent(Array.from(json, c => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''))) as AegisClaims
  }
  catch {
    return null
  }
}

/** True for URLs on this origin (relative paths or the same scheme, host and port). */
export function isSameOrigin(url: string, origin: string): boolean {
  // Always ask the URL parser: it drops tabs and newlines, so `/\t/evil.test` is `//evil.test`.
  try {
    return new URL(url, origin).origin === origin
  }
  catch {
    return false
  }
}

/**
 * What decides the origin of a `$fetch(url, { baseURL })` call: an absolute (or
 * protocol-relative) URL stands alone; otherwise ofetch joins it onto `baseURL`.
 */
export function requestTarget(url: string, baseURL: unknown): string {
  if (typeof baseURL !== 'string' || baseURL === '') return url
  // Same test the URL parser applies after dropping tabs and newlines.
  const cleaned = url.replace(/[\t\n\r]/g, '')
  if (/^[a-z][a-z\d+\-.]*:/i.test(cleaned) || /^[/\\]{2}/.test(cleaned)) return url
  return baseURL
}

export function createAuthClient(options: AuthClientOptions) {
  let token: string | null = null
  let inflight: Promise<string | null> | null = null
  let timer: ReturnType<typeof setTimeout> | undefined

  function accept(response: TokenResponse): string {
    token = response.token
    const claims = decodeClaims(response.token)
    options.onUser(claims)
    schedule(response.expiresIn)
    return response.token
  }

  function clear(): void {
    token = null
    if (timer) clearTimeout(timer)
    timer = undefined
    options.onUser(null)
  }

  function schedule(expiresIn: number): void {
    if (timer) clearTimeout(timer)
    if (!options.automaticRefresh || typeof window === 'undefined') return
    // Refresh a minute early, or at 80% of a short lifetime.
    const lead = Math.min(60, expiresIn * 0.2)
    timer = setTimeout(() => void refresh().catch(() => {}), Math.max(1, expiresIn - lead) * 1000)
  }

  /** One refresh at a time: concurrent callers share it. Resolves to the new token or null (logged out). */
  const post = () => options.fetch<TokenResponse>(`${options.authPath}/refresh`, { method: 'POST', credentials: 'same-origin' })
  const statusOf = (error: unknown) => (error as { statusCode?: number, status?: number } | null)?.statusCode ?? (error as { status?: number } | null)?.status

  function refresh(): Promise<string | null> {
    // 409: another tab rotated the cookie a moment ago; the browser now holds the successor, so retry once.
    inflight ??= post()
      .catch(error => statusOf(error) === 409 ? post() : Promise.reject(error))
      .then(accept)
      .catch((error: unknown) => {
        const status = statusOf(error)
        // 401: the session is gone. Anything else (network, 503) keeps what we have.
        if (status === 401 || status === 403) {
          clear()
          return null
        }
        throw error
      })
      .finally(() => {
        inflight = null
      })
    return inflight
  }

  async function exchange(code: string): Promise<TokenResponse> {
    const response = await options.fetch<TokenResponse>(`${options.authPath}/token`, {
      method: 'POST',
      body: { code },
      credentials: 'same-origin',
    })
    accept(response)
    return response
  }

  async function logout(): Promise<void> {
    try {
      await options.fetch(`${options.authPath}/logout`, { method: 'POST', credentials: 'same-origin' })
    }
    finally {
      clear()
    }
  }

  /** `$fetch` with `Authorization: Bearer` on same-origin calls; on a 401 refreshes once and retries once. */
  async function authFetch<T>(url: string, fetchOptions: Record<string, unknown> = {}): Promise<T> {
    const origin = typeof window === 'undefined' ? '' : window.location.origin
    const attach = origin !== '' && isSameOrigin(requestTarget(url, fetchOptions.baseURL), origin)
    const withToken = () => {
      if (!attach || !token) return fetchOptions
      const headers = new Headers(fetchOptions.headers as HeadersInit | undefined)
      headers.set('authorization', `Bearer ${token}`)
      return { ...fetchOptions, headers }
    }
    try {
      return await options.fetch<T>(url, withToken())
    }
    catch (error) {
      const status = (error as { statusCode?: number })?.statusCode
      if (status !== 401 || !attach) throw error
      const fresh = await refresh().catch(() => null)
      if (!fresh) throw error
      return options.fetch<T>(url, withToken())
    }
  }

  return {
    refresh,
    exchange,
    logout,
    fetch: authFetch,
    getToken: () => token,
  }
}
