import type { H3Event } from 'h3'
import { setResponseStatus } from 'h3'
import type { AegisUser, ClaimValue, CustomClaims, ProviderTokens, TokenResponse } from '../../types'
import { authenticationMethods, resolveCustomClaims } from '../tokens/claims'
import { fingerprint } from '../core/crypto'
import { log } from '../core/errors'
import { refreshCookieHostPrefixed, setRefreshCookie } from '../context/cookies'
import { callAegisHook, runUserInfoHooks } from '../context/hooks'
import { accessTokenResponse } from '../tokens/issue'
import { requestDevice } from '../sessions/sessions'
import { useAegis } from '../context/services'
import type { ProviderTokenSet } from '../sessions/provider-tokens'

export interface SignInOptions {
  /** How the user authenticated (RFC 8176 `amr` values, e.g. `['pwd']`, `['hwk', 'user']`). */
  amr?: string[]
  /**
   * The backend's tokens of a credentials login (`keepTokens`): kept with the new session as
   * provider tokens of `provider` (encrypted at rest with the session, removed with it), for
   * `getProviderToken(event, provider)`. A step between the password and the session (a second
   * factor) carries them sealed and passes them here.
   */
  upstream?: ProviderTokenSet
  /** The login's tokens as the userInfo and success hooks and the claims function see them. */
  tokens?: ProviderTokens
}

/**
 * A login whose first step is done: everything needed to start its session later, after a
 * second factor (the whole of it is kept, sealed, by the second-factor step).
 */
export interface PendingSignIn {
  /** `credentials`: a credentials endpoint (its success hook runs when the session starts); `handoff`: an OAuth login's `POST /token`. */
  kind: 'credentials' | 'handoff'
  provider: string
  user: AegisUser
  claims: Record<string, ClaimValue>
  amr?: string[]
  options?: SignInOptions
  providerTokens?: ProviderTokenSet
  redirectTo?: string
  /** An OAuth login's CODE and the hash of its binding: the session the step starts is what the CODE issued (a replay revokes it). */
  handoff?: { code: string, binding: string }
}

/** What a login answers instead of tokens when a second factor is due (HTTP 202). */
export interface SecondFactorStep {
  status: 'mfa_required'
  [field: string]: unknown
}

/** Decides whether a login needs a second factor: the step to answer, or undefined to sign in now. */
export type SecondFactorGate = (event: H3Event, pending: PendingSignIn) => Promise<SecondFactorStep | undefined>

let gate: SecondFactorGate | undefined

/** Registered by the second-factor capability at start-up (when `mfa` is configured). */
export function registerSecondFactorGate(value: SecondFactorGate | undefined): void {
  gate = value
}

/** Ends a pending step by the reference a CODE's tombstone keeps (the step's storage key). */
export type SecondFactorCancel = (reference: string) => Promise<void>

let cancel: SecondFactorCancel | undefined

/** Registered by the second-factor capability at start-up, beside the gate. */
export function registerSecondFactorCancel(value: SecondFactorCancel | undefined): void {
  cancel = value
}

/** Ends the pending second-factor step that a replayed CODE started, by its tombstone's reference. */
export async function cancelSecondFactorStep(reference: string): Promise<void> {
  await cancel?.(reference)
}

/** Refuses (throws) an action that adds a way into the account unless the session used its second factor. */
export type SecondFactorCheck = (event: H3Event, user: { sub: string, provider?: unknown, email?: unknown, amr?: unknown }) => Promise<void>

let secondFactorCheck: SecondFactorCheck | undefined

/** Registered by the second-factor capability at start-up, beside the gate. */
export function registerSecondFactorCheck(value: SecondFactorCheck | undefined): void {
  secondFactorCheck = value
}

/**
 * For actions that add a way in (a passkey, a linked identity): a user with a second factor must
 * have used it in this session (`amr` has `mfa`), or a one-factor session (an OAuth login, a
 * session from before enrolment, a stolen cookie) could add a key that skips the factor for good.
 */
export async function assertSecondFactorUsed(event: H3Event, user: { sub: string, provider?: unknown, email?: unknown, amr?: unknown }): Promise<void> {
  await secondFactorCheck?.(event, user)
}

/**
 * Logs a user in from a credentials endpoint: the same steps and the same answer as a
 * provider login followed by `POST /auth/token` (userInfo hooks, custom claims, a new session
 * with its refresh cookie, the success hook, `{ token, tokenType, expiresIn }`). There is no
 * CODE: the request itself is the same-origin POST that receives the tokens.
 * `user` must already be free of passwords and hashes. A user with a second factor gets
 * `202 { status: 'mfa_required', ... }` instead, and the session starts after the factor.
 */
export async function signIn(event: H3Event, provider: string, initial: AegisUser, customClaims?: CustomClaims, options: SignInOptions = {}): Promise<TokenResponse | SecondFactorStep> {
  const tokens = options.tokens ?? {}
  let user = await runUserInfoHooks({ user: { ...initial, provider }, tokens, provider, event })
  user = { ...user, provider, sub: initial.sub }
  const claims = await resolveCustomClaims(customClaims, user, options.tokens)
  // Stored on the session apart from the claims, so every refreshed token says how the login was made.
  const amr = options.amr && authenticationMethods(options.amr)
  // The whole login waits in the step when a second factor is due: upstream tokens included.
  const pending: PendingSignIn = { kind: 'credentials', provider, user, claims, amr, options, providerTokens: options.upstream }
  return (await secondFactorStep(event, pending)) ?? finishSignIn(event, pending)
}

/** The second-factor step a login must answer with (202 set), or undefined. */
export async function secondFactorStep(event: H3Event, pending: PendingSignIn): Promise<SecondFactorStep | undefined> {
  const step = gate ? await gate(event, pending) : undefined
  if (step) setResponseStatus(event, 202)
  return step
}

/** Starts the session of a login (after its second factor, if any) and answers its tokens. */
export async function finishSignIn(event: H3Event, pending: PendingSignIn): Promise<TokenResponse> {
  const { sessions, config } = useAegis()
  const { provider, user, claims, amr } = pending
  let familyId: string | undefined
  if (config.tokenRefresh.enabled) {
    const session = await sessions.create({ user, claims, amr, providerTokens: pending.providerTokens, hostCookie: refreshCookieHostPrefixed(event), device: requestDevice(event) })
    familyId = session.session.familyId
    // An OAuth login that went through a step: its CODE now stands for this session (a replay revokes it).
    if (pending.handoff) await useAegis().codes.markIssued(pending.handoff.code, familyId, pending.handoff.binding)
    setRefreshCookie(event, session.token, session.maxAge)
  }
  if (pending.kind === 'credentials') await callAegisHook('nuxt-aegis:success', { user, tokens: pending.options?.tokens ?? {}, provider, event })
  log.debug(`${provider} login for ${fingerprint(user.sub)}`)
  return accessTokenResponse(user, claims, { familyId, amr, ...(pending.redirectTo ? { redirectTo: pending.redirectTo } : {}) })
}
