import { withBase } from 'ufo'
import type { MfaStep } from './lazy/mfa'
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
  /** Origins besides this one whose APIs get the token (`apiOrigins` option). */
  apiOrigins?: string[]
  /** The `baseURL` that `fetch` applies when a call gives none (Nuxt's `$fetch`: `app.baseURL`). */
  baseURL?: string
  /** Cross-tab messages (BroadcastChannel in the browser): login, refresh and logout reach other tabs. */
  channel?: AuthChannel
  /**
   * Cross-tab mutual exclusion for refreshes (Web Locks in the browser). `fn` learns whether the
   * lock was held by another tab when asked for (`contended`): that tab is refreshing right now.
   */
  lock?: <T>(fn: (contended?: boolean) => Promise<T>) => Promise<T>
  /**
   * A counter shared by the tabs (localStorage in the browser; it holds no secret), bumped on
   * every refresh, so a tab that gets the lock knows another tab refreshed meanwhile.
   */
  generation?: { read: () => number, bump: () => void }
  /**
   * Whether the browser holds a session to refresh: the server's script-readable hint cookie,
   * set and cleared with the HttpOnly refresh cookie. Without it `refresh()` asks nothing and
   * resolves null (a guest costs no request). Absent option: always ask.
   */
  sessionHint?: () => boolean
  now?: () => number
}

export type AuthMessage = { type: 'token', token: string, expiresIn: number, generation?: number } | { type: 'logout' }

export interface AuthChannel {
  post: (message: AuthMessage) => void
  onMessage: (listener: (message: AuthMessage) => void) => void
}

export type AuthClient = ReturnType<typeof createAuthClient>

/**
 * What the client hands to its lazy chunks (`lazy/<feature>.ts`): the app's fetch and a way to
 * take a token a login returned (sets the user, schedules the refresh, tells the other tabs).
 */
export interface ClientCore {
  fetch: AuthClientOptions['fetch']
  authPath: string
  baseURL?: string
  accept: (response: TokenResponse) => string
}

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
 * The URL a `$fetch(input, { baseURL })` call requests, or undefined when ofetch would not
 * request it as given. A string goes through ufo's `withBase`, exactly as ofetch does (so
 * ` https://evil.example` or `\thttps://evil.example`, which ufo reads as having a protocol,
 * stand alone, and `//evil.example` is joined onto the base); a URL or Request object is
 * requested as it is, baseURL ignored. The browser's URL parser then trims what the string
 * still has (leading spaces and control characters, tabs and newlines inside).
 */
export function requestTarget(input: unknown, baseURL: unknown): string | undefined {
  if (typeof input === 'string') {
    if (baseURL === undefined || baseURL === null || baseURL === '') return input
    // ofetch would pass a non-string base to withBase and fail: nothing to attach a token to.
    return typeof baseURL === 'string' ? withBase(input, baseURL) : undefined
  }
  if (typeof URL !== 'undefined' && input instanceof URL) return input.href
  if (typeof Request !== 'undefined' && input instanceof Request) return input.url
  return undefined
}

export function createAuthClient(options: AuthClientOptions) {
  let token: string | null = null
  let expiresAt = 0
  let inflight: Promise<string | null> | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Callers waiting for another tab's token. */
  let waiters: Array<() => void> = []
  /** The shared refresh generation our token belongs to (-1: unknown). */
  let tokenGeneration = -1
  const now = options.now ?? Date.now
  const apiOrigins = new Set((options.apiOrigins ?? []).map(origin => normalizedOrigin(origin)).filter(Boolean))

  /** A token or logout another window of this origin sent (cross-tab channel, login popup). */
  function receive(message: AuthMessage): void {
    if (message.type === 'token' && typeof message.token === 'string' && typeof message.expiresIn === 'number') {
      accept({ token: message.token, tokenType: 'Bearer', expiresIn: message.expiresIn }, false, typeof message.generation === 'number' ? message.generation : -1)
    }
    else if (message.type === 'logout') {
      clear(false)
    }
  }
  options.channel?.onMessage(receive)

  /** Takes a token: our own (`broadcast`: tell the other tabs, with a new generation) or one another tab sent. */
  function accept(response: TokenResponse, broadcast = true, generation = -1): string {
    token = response.token
    expiresAt = now() + response.expiresIn * 1000
    if (broadcast && options.generation) {
      options.generation.bump()
      generation = options.generation.read()
    }
    tokenGeneration = generation
    options.onUser(decodeClaims(response.token))
    schedule(response.expiresIn)
    if (broadcast) options.channel?.post({ type: 'token', token: response.token, expiresIn: response.expiresIn, generation })
    else {
      const waiting = waiters
      waiters = []
      for (const wake of waiting) wake()
    }
    return response.token
  }

  function clear(broadcast = true): void {
    token = null
    expiresAt = 0
    if (timer) clearTimeout(timer)
    timer = undefined
    options.onUser(null)
    if (broadcast) options.channel?.post({ type: 'logout' })
  }

  function schedule(expiresIn: number): void {
    if (timer) clearTimeout(timer)
    if (!options.automaticRefresh || typeof window === 'undefined') return
    // Refresh a minute early, or at 80% of a short lifetime.
    const lead = Math.min(60, expiresIn * 0.2)
    timer = setTimeout(() => void refresh().catch(() => {}), Math.max(1, expiresIn - lead) * 1000)
  }

  const post = (updateClaims?: boolean) => options.fetch<TokenResponse>(`${options.authPath}/refresh`, { method: 'POST', credentials: 'same-origin', ...(updateClaims ? { body: { updateClaims } } : {}) })
  const statusOf = (error: unknown) => (error as { statusCode?: number, status?: number } | null)?.statusCode ?? (error as { status?: number } | null)?.status

  const runLocked = <T>(fn: (contended?: boolean) => Promise<T>): Promise<T> => options.lock ? options.lock(fn) : fn(false)

  /** Resolves when another tab's token arrives, or after `ms`. */
  function nextBroadcast(ms: number): Promise<void> {
    return new Promise((resolve) => {
      waiters.push(resolve)
      setTimeout(resolve, ms)
    })
  }

  /**
   * Gets a new access token, once per tab at a time (callers share it) and once across tabs:
   * under a cross-tab lock, a tab that finds another tab refreshed meanwhile (the shared refresh
   * generation is past the one of its token, or moved since the call) takes that tab's
   * broadcast token instead of rotating again. The generation is needed because the lock, the
   * timers and the message reach tabs by different routes and at slightly different times.
   * `stale` is the token the caller considers used up. Resolves to the token, or null when the
   * session is gone. `updateClaims`: always a refresh of its own, asking the server to compute
   * the claims again (after a refresh already under way); other tabs get its token as usual.
   */
  function refresh(stale: string | null = token, { updateClaims = false }: { updateClaims?: boolean } = {}): Promise<string | null> {
    if (updateClaims && inflight) return inflight.catch(() => null).then(() => refresh(token, { updateClaims }))
    if (!inflight && options.sessionHint && !options.sessionHint()) {
      // No refresh cookie either: nothing to ask the server. Only this tab forgets its token
      // (the other tabs see the same cookies and decide for themselves).
      if (token !== null || expiresAt !== 0) clear(false)
      else options.onUser(null)
      return Promise.resolve(null)
    }
    const generation = options.generation?.read()
    const usable = () => !updateClaims && token !== null && token !== stale && expiresAt - now() > FRESH_ENOUGH_MS
    // Another tab refreshed since we called, or since our token was issued: its token is on the way.
    const otherTabRefreshed = () => {
      if (!options.generation || generation === undefined) return false
      const current = options.generation.read()
      return current !== generation || (tokenGeneration >= 0 && current > tokenGeneration)
    }
    inflight ??= runLocked(async (contended) => {
      if (usable()) return token
      // Waiting for the lock means another tab was refreshing: its token is on the way, even when
      // this tab's view of the shared generation (localStorage) has not caught up yet.
      if (contended || otherTabRefreshed()) {
        await nextBroadcast(BROADCAST_WAIT_MS)
        if (usable()) return token
      }
      // 409: another tab rotated the cookie a moment ago; the browser now holds the successor, so retry once.
      const response = await post(updateClaims).catch(error => statusOf(error) === 409 ? post(updateClaims) : Promise.reject(error))
      return accept(response)
    })
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

  /** Ends the session on the server (`everywhere`: every session of the user) and forgets the token. */
  async function logout(logoutOptions: { everywhere?: boolean } = {}): Promise<void> {
    try {
      await options.fetch(`${options.authPath}/logout`, {
        method: 'POST',
        credentials: 'same-origin',
        ...(logoutOptions.everywhere ? { body: { everywhere: true } } : {}),
      })
    }
    finally {
      clear()
    }
  }

  /**
   * Whether a request may carry the token: decided on the URL the fetch will request (its
   * input joined onto the effective `baseURL`), parsed as the browser's fetch parses it
   * (against the document's base URL). This origin, or one listed in `apiOrigins`.
   */
  function mayAttach(input: unknown, fetchOptions: Record<string, unknown>): boolean {
    const origin = typeof window === 'undefined' ? '' : window.location.origin
    if (origin === '') return false
    // ofetch spreads the call's options over the instance defaults: an own `baseURL` wins, even undefined.
    const target = requestTarget(input, 'baseURL' in fetchOptions ? fetchOptions.baseURL : options.baseURL)
    const resolved = target === undefined ? undefined : requestOrigin(target, origin)
    return resolved !== undefined && (resolved === origin || apiOrigins.has(resolved))
  }

  /** A 401 of `getProviderToken`: the provider's grant ended; a new access token would not help. */
  function needsProviderLogin(error: unknown): boolean {
    const body = (error as { data?: { error?: unknown, data?: { error?: unknown } } })?.data
    return body?.error === 'provider_reauth_required' || body?.data?.error === 'provider_reauth_required'
  }

  /**
   * `$fetch` with `Authorization: Bearer` on same-origin calls and calls to `apiOrigins`;
   * on a 401 it refreshes once and retries once (not for `provider_reauth_required`: the app's
   * token is fine there). Other origins never see the token.
   */
  async function authFetch<T>(url: string, fetchOptions: Record<string, unknown> = {}): Promise<T> {
    const attach = mayAttach(url, fetchOptions)
    // A refresh is under way (the start-up one right after a page load): wait for its token
    // instead of sending none and meeting a 401.
    if (attach && !token && inflight) await inflight.catch(() => null)
    let sent: string | null = null
    const withToken = () => {
      sent = attach ? token : null
      if (!sent) return fetchOptions
      const headers = new Headers(fetchOptions.headers as HeadersInit | undefined)
      headers.set('authorization', `Bearer ${sent}`)
      return { ...fetchOptions, headers }
    }
    try {
      return await options.fetch<T>(url, withToken())
    }
    catch (error) {
      const status = (error as { statusCode?: number })?.statusCode
      if (status !== 401 || !attach || needsProviderLogin(error)) throw error
      const fresh = await refresh(sent).catch(() => null)
      if (!fresh) throw error
      // A request made under impersonation is never replayed as the actor: the refresh brought the
      // actor back, and the caller sees the 401 of the impersonation token.
      if (sent !== null && decodeClaims(sent)?.act !== undefined) throw error
      return options.fetch<T>(url, withToken())
    }
  }

  /** The current token as a message for another window of this origin (`receive` takes it). */
  function handoff(): AuthMessage | null {
    const left = Math.floor((expiresAt - now()) / 1000)
    if (!token || left <= 0) return null
    return { type: 'token', token, expiresIn: left, generation: tokenGeneration }
  }

  const core: ClientCore = { fetch: options.fetch, authPath: options.authPath, baseURL: options.baseURL, accept: response => accept(response) }
  const credentials = () => import('./lazy/credentials')
  // Every lazy chunk is imported from here (the entry chunk): a dynamic import in another base
  // chunk (a page's) would move the bundler's preload helper and shared modules into chunks of
  // their own, which costs the base bundle more than the lazy code saves.
  const popup = () => import('./lazy/popup')
  const sessions = () => import('./lazy/sessions')
  const impersonation = () => import('./lazy/impersonation')
  const sessionsApi = () => ({ authPath: options.authPath, fetch: authFetch, forget: () => clear() })
  const impersonationApi = () => ({ authPath: options.authPath, fetch: authFetch, adopt: (response: TokenResponse) => void accept(response), refresh, getToken: () => token })
  const passkeys = () => import('./lazy/passkey')

  return {
    refresh,
    /** Exchanges the CODE of the callback page for a session, or its second-factor step (lazy chunk `lazy/credentials`). */
    exchange: (code: string): Promise<TokenResponse | MfaStep> => credentials().then(lazy => lazy.exchange(core, code)),
    /** POSTs credentials to a same-origin login endpoint; a token answer logs in (lazy chunk `lazy/credentials`). */
    signIn: <T extends object = TokenResponse>(url: string, body: Record<string, unknown>): Promise<T> => credentials().then(lazy => lazy.signIn<T>(core, url, body)),
    logout,
    receive,
    handoff,
    fetch: authFetch,
    getToken: () => token,
    /** The user's live sessions (lazy chunk `lazy/sessions`). */
    sessions: () => sessions().then(lazy => lazy.listSessions(sessionsApi())),
    /** Ends one session; this tab's own logs the tab out (lazy chunk `lazy/sessions`). */
    revokeSession: (id: string) => sessions().then(lazy => lazy.endSession(sessionsApi(), id)),
    /** Ends all the user's sessions but this one (lazy chunk `lazy/sessions`). */
    revokeOtherSessions: () => sessions().then(lazy => lazy.endOtherSessions(sessionsApi())),
    /** Acts as `sub` with an impersonation token (lazy chunk `lazy/impersonation`). */
    impersonate: (sub: string, reason?: string) => impersonation().then(lazy => lazy.impersonate(impersonationApi(), sub, reason)),
    /** Back to the actor's own session (lazy chunk `lazy/impersonation`). */
    stopImpersonation: () => impersonation().then(lazy => lazy.stopImpersonation(impersonationApi())),
    /** Waits for the report of a login popup opened by `useAuth().login({ popup: true })` (lazy chunk `lazy/popup`). */
    waitForLoginPopup: (window: Window) => popup().then(lazy => lazy.waitForLoginPopup(window)),
    /** Passkey registration, login and management (lazy chunk `lazy/passkey`; it loads @simplewebauthn/browser). */
    passkey: () => passkeys().then(lazy => lazy.passkeyApi(core, authFetch, () => import('@simplewebauthn/browser'))),
    /** The chunks `useAuth()` loads on first use, imported here for the reason above (not in the composable). */
    lazy: {
      email: (): Promise<typeof import('./lazy/email')> => import('./lazy/email'),
      mfa: (): Promise<typeof import('./lazy/mfa')> => import('./lazy/mfa'),
      accounts: (): Promise<typeof import('./lazy/accounts')> => import('./lazy/accounts'),
    },
  }
}

/** A token with less than this left is not worth taking over from another tab. */
const FRESH_ENOUGH_MS = 5_000
/** How long a tab that saw another tab refresh waits for its token before refreshing itself. */
const BROADCAST_WAIT_MS = 1_000

/**
 * The origin the browser's fetch sends `target` to: parsed against the document's base URL
 * (a `<base href>` can point relative URLs at another origin), else the page's origin.
 * Undefined when it does not parse.
 */
export function requestOrigin(target: string, origin: string): string | undefined {
  const base = (typeof document !== 'undefined' && typeof document.baseURI === 'string' && document.baseURI) || origin
  try {
    return new URL(target, base).origin
  }
  catch {
    return undefined
  }
}

function normalizedOrigin(value: string): string {
  try {
    return new URL(value).origin
  }
  catch {
    return ''
  }
}
