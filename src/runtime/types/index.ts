import type { H3Event } from 'h3'

/** A claim value: primitives and arrays of them, nothing nested. */
export type ClaimValue = string | number | boolean | null | Array<string | number | boolean | null>

/** The normalized profile every provider maps to. Identity is (provider, sub), never email. */
export interface AegisProfile {
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  picture?: string
}

/**
 * The user as the app sees it: the profile plus the provider and any custom claims.
 * Augment it to type your claims:
 * `declare module '#nuxt-aegis' { interface AegisUser { role: string } }`
 */
export interface AegisUser extends AegisProfile {
  provider: string
  [claim: string]: unknown
}

/** Payload of a verified access token. */
export interface AegisClaims extends Record<string, unknown> {
  sub: string
  provider?: string
  iss?: string
  aud?: string | string[]
  exp?: number
  iat?: number
  jti?: string
  /** The session (refresh-token family) the token was issued for; absent without sessions. */
  sid?: string
  /**
   * How the user authenticated (RFC 8176), set by the module's own logins: `['pwd']` after a
   * password login, `['pwd', 'otp']` after a password plus an emailed login code.
   * Absent for provider (OAuth) and credentials logins. Kept for the whole session.
   */
  amr?: string[]
  /**
   * Set on impersonation tokens only (RFC 8693): the real user acting as `sub`. Such a token
   * has no refresh token and is short-lived; `requireAuth(event, { allowImpersonation: false })`
   * refuses it.
   */
  act?: ImpersonationActor
}

/** Tokens the provider returned at login (never sent to the browser). */
export interface ProviderTokens {
  access_token?: string
  token_type?: string
  refresh_token?: string
  id_token?: string
  expires_in?: number
  scope?: string
  [key: string]: unknown
}

export type CustomClaims
  = | Record<string, ClaimValue>
    | ((user: AegisUser, tokens: ProviderTokens | undefined) => Record<string, ClaimValue> | Promise<Record<string, ClaimValue>>)

export interface MockUser extends Partial<AegisProfile> {
  [field: string]: unknown
}

export interface OAuthHandlerOptions<TConfig = Record<string, unknown>> {
  /** Provider settings that override `nuxt.config` for this route (scopes, authorizationParams ...). */
  config?: TConfig
  /** Extra claims for the access token; runs again on refresh with the stored user (tokens undefined). */
  customClaims?: CustomClaims
  /** Map or enrich the normalized user; return a new user or nothing. */
  onUserInfo?: (user: AegisUser, tokens: ProviderTokens, event: H3Event) => AegisUser | undefined | Promise<AegisUser | undefined>
  /** Called after a successful login, before the redirect to the callback page. */
  onSuccess?: (payload: { user: AegisUser, provider: string, tokens: ProviderTokens, event: H3Event }) => void | Promise<void>
  /** Called when the login fails (the user is redirected to `redirect.error` afterwards). */
  onError?: (error: { code: string, message: string }, event: H3Event) => void | Promise<void>
}

export interface UserInfoHookPayload {
  user: AegisUser
  tokens: ProviderTokens
  provider: string
  event: H3Event
}

export interface SuccessHookPayload {
  user: AegisUser
  tokens: ProviderTokens
  provider: string
  event: H3Event
}

export interface RefreshHookPayload {
  user: AegisUser
  /** Fingerprint of the session family, safe to log. */
  session: string
  event: H3Event
}

export interface LogoutHookPayload {
  user?: AegisUser
  session?: string
  /** Logout everywhere: how many sessions of the user were ended (this one included). */
  revoked?: number
  event: H3Event
}

export interface TokenReuseHookPayload {
  user: AegisUser
  /** Fingerprint of the revoked session family. */
  session: string
  /** Fingerprint of the replayed token's id. */
  token: string
  event: H3Event
}

export interface AegisHooks {
  'nuxt-aegis:userInfo': (payload: UserInfoHookPayload) => AegisUser | undefined | Promise<AegisUser | undefined>
  'nuxt-aegis:success': (payload: SuccessHookPayload) => void | Promise<void>
  'nuxt-aegis:refresh': (payload: RefreshHookPayload) => void | Promise<void>
  'nuxt-aegis:logout': (payload: LogoutHookPayload) => void | Promise<void>
  /** A rotated refresh token was replayed outside the reuse interval: its whole family was revoked. */
  'nuxt-aegis:tokenReuse': (payload: TokenReuseHookPayload) => void | Promise<void>
  /** May `actor` impersonate `target`? `false` refuses, `true` allows, a user object allows with that profile; no answer from any handler refuses. */
  'nuxt-aegis:canImpersonate': (payload: CanImpersonatePayload) => boolean | ImpersonationTarget | undefined | Promise<boolean | ImpersonationTarget | undefined>
  /** An impersonation token was issued (audit); a throw here refuses the impersonation. */
  'nuxt-aegis:impersonationStart': (payload: ImpersonationStartPayload) => void | Promise<void>
  /** An impersonation was stopped by its actor (audit). */
  'nuxt-aegis:impersonationEnd': (payload: ImpersonationEndPayload) => void | Promise<void>
}

/** Response of `POST /auth/token` and `POST /auth/refresh`. */
export interface TokenResponse {
  token: string
  tokenType: 'Bearer'
  expiresIn: number
  /** Where the callback page goes next (validated at login start). */
  redirectTo?: string
}

// ---------------------------------------------------------------------------------------------
// Sessions a user can see and end ("your devices"): GET <authPath>/sessions, listUserSessions
// ---------------------------------------------------------------------------------------------

/** One of a user's live sessions as listed: never a token, never the raw User-Agent. */
export interface SessionInfo {
  /** A fingerprint of the session, stable for its life: what `revokeSession(id)` takes. */
  id: string
  /** The provider the session logged in with. */
  provider: string
  /** When the login happened (ms). */
  createdAt: number
  /** When the session last got a new access token: its last refresh, else its login (ms). */
  refreshedAt: number
  /** Absolute end (ms). */
  expiresAt: number
  /** A coarse device/browser label ("Firefox on Linux"); null when the User-Agent said nothing known (and for sessions from before labels). */
  device: string | null
  /** The session of the asking access token (this tab). */
  current: boolean
}

// ---------------------------------------------------------------------------------------------
// Impersonation: startImpersonation, the `act` claim (RFC 8693), nuxt-aegis:canImpersonate
// ---------------------------------------------------------------------------------------------

/** Who really acts behind an impersonation token (its `act` claim). */
export interface ImpersonationActor {
  sub: string
  provider?: string
}

/**
 * A `nuxt-aegis:canImpersonate` answer that allows with the target's profile: `sub` must be the
 * requested one; `provider` defaults to the actor's; other primitive fields become claims
 * (reserved names are dropped).
 */
export interface ImpersonationTarget extends Partial<AegisProfile> {
  sub: string
  provider?: string
  [claim: string]: unknown
}

export interface CanImpersonatePayload {
  /** The claims of the actor's access token (verified). */
  actor: AegisClaims
  /** The requested subject. */
  target: string
  /** Why, as the caller gave it (for the audit log); not checked by the module. */
  reason?: string
  event: H3Event
}

export interface ImpersonationStartPayload {
  actor: AegisClaims
  /** The claims of the impersonation token (its `sub` is the target, `act` the actor). */
  target: AegisClaims
  reason?: string
  /** When the impersonation token expires (ms). */
  expiresAt: number
  event: H3Event
}

export interface ImpersonationEndPayload {
  actor: ImpersonationActor
  /** The claims of the impersonation token that was stopped. */
  target: AegisClaims
  event: H3Event
}

// --- Credentials logins with upstream tokens (defineCredentialsEventHandler keepTokens) ---

/**
 * Tokens of the backend a credentials login checked the password against (Directus, Strapi, a
 * company API), as `authorize` returns them and `refreshTokens` receives and returns them.
 * Kept on the server with the session (`keepTokens: true`), never sent to the browser.
 */
export interface UpstreamTokens {
  access_token: string
  refresh_token?: string
  /** Seconds until `access_token` expires (convert a backend's milliseconds or dates). */
  expires_in?: number
  token_type?: string
  scope?: string
}

// --- Accounts: several sign-in methods per user (defineAccounts) ---

/** One sign-in method of a user: a provider and that provider's subject. */
export interface IdentityRef {
  provider: string
  /** The provider's own user id (GitHub's numeric id, Google's `sub`, your account id for `password`). */
  subject: string
}

/** An identity as a provider login proved it, handed to `resolveUser` and `linkIdentity`. */
export interface AccountIdentity extends IdentityRef {
  /** The provider's email, lower-cased and trimmed; whether it is verified is `emailVerified`. */
  email?: string
  /** True only when the provider said the email is verified. */
  emailVerified: boolean
  /** The provider's profile as the login produced it (after `onUserInfo`). */
  profile: AegisUser
}

/** The app's user: `sub` is the app's stable user id, the same for every linked method. */
export type AccountUser = AegisProfile & Record<string, unknown>
