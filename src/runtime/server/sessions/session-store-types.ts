import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue } from '../../types'
import type { Locks } from '../core/locks'
import type { CompareAndSet } from '../core/compare-and-set'
import type { RecordCodec } from './record-codec'
import type { IssuedSession, Session, SessionInfo } from './session-records'
import type { ClaimsUpdate } from './session-claims'
import type { ProviderTokenSet, ProviderTokenStore } from './provider-tokens'

/** What the session store offers and is made of (sessions.ts implements it). */
export type ClaimsFor = (session: Session) => Promise<Record<string, ClaimValue>>

/** How the token reached the server. */
export interface Presented {
  /**
   * Under the unprefixed cookie name while the `__Host-` one is in use: accepted only for a
   * family issued before the prefix; for any other it is no token at all (nothing is changed
   * or revoked: it may be an attacker's own token tossed in from a subdomain).
   */
  legacyCookie?: boolean
  /** The device label of the request (see device.ts): kept on the session as last seen. */
  device?: string
}

export interface SessionStore {
  /**
   * Starts a session; `providerTokens` are kept with it until it ends (`keepTokens`).
   * `hostCookie`: its token goes out under the `__Host-` cookie name (see `Presented`).
   */
  create: (input: { user: AegisUser, claims: Record<string, ClaimValue>, amr?: string[], providerTokens?: ProviderTokenSet, hostCookie?: boolean, device?: string }) => Promise<IssuedSession>
  /** Validates a refresh token and returns its successor (the same token renewed when rotation is off). */
  rotate: (token: string, claimsFor?: ClaimsFor, presented?: Presented) => Promise<IssuedSession>
  /** A live session for a token, without changing anything. */
  get: (token: string, presented?: Presented) => Promise<Session | undefined>
  /**
   * Ends the token's whole family (logout); `live` when the token was the family's current one.
   * A rotated token is judged as on `rotate`: the immediate predecessor inside the reuse interval
   * ends its session, any other replay is reuse (the family is revoked, `TokenReuseError`).
   */
  revoke: (token: string, presented?: Presented) => Promise<{ session: Session, live: boolean } | undefined>
  revokeFamily: (familyId: string) => Promise<void>
  /**
   * Ends every session of a login identity (provider, sub), except `exceptFamilyId`. Without a
   * provider: of every provider that sub logged in with (logged as a warning when several).
   */
  revokeUser: (sub: string, options?: { exceptFamilyId?: string, provider?: string }) => Promise<number>
  /**
   * The live sessions of an identity (without a provider: of every provider of that sub);
   * `current` is the `sid` of the asking access token, marked in the list.
   */
  listUser: (sub: string, options?: { provider?: string, current?: string }) => Promise<SessionInfo[]>
  /**
   * The live session of that identity with the listed id (`{ id }`) or an access token's
   * `{ sid }`; found through the user's index only, so another user's session never matches.
   */
  findUserSession: (sub: string, match: { id?: string, sid?: string }, options?: { provider?: string }) => Promise<Session | undefined>
  /** Changes the stored claims of live sessions (see session-claims.ts); the sessions changed. */
  updateClaims: (update: ClaimsUpdate) => Promise<Session[]>
  /** Removes families that ended before today (drivers without TTL); returns how many. */
  sweep: () => Promise<number>
  /** Provider tokens kept with sessions: ended with them. */
  providerTokens: ProviderTokenStore
}

export interface SessionStoreOptions {
  storage: Storage
  prefix: string
  /** Seconds a token stays valid without use (the cookie's maxAge). */
  idleTimeout: number
  /** Seconds a login lasts at most, however often it is refreshed. */
  absoluteTimeout: number
  rotation: boolean
  /** Seconds during which the immediate predecessor of the live token gets the same successor. */
  reuseInterval: number
  locks?: Locks
  /** The atomic write that retires a rotated token (Redis: a script; default: in-process). */
  compareAndSet?: CompareAndSet
  codec?: RecordCodec
  /**
   * Called when a session ends before its time (logout, reuse, revocation by user or id), before
   * its record goes: the revocation list refuses its access tokens from then on. Not called for
   * a session that reached its absolute end (no access token outlives the refresh that issued it
   * by more than the token lifetime, and nothing was issued after the end).
   */
  onEnd?: (familyId: string) => Promise<unknown>
  /** Called before a live session's claims change to generation `claimsAt`: its access tokens of older generations are refused from then on. */
  onClaimsChange?: (familyId: string, claimsAt: number) => Promise<unknown>
  /** File families by the day they end and sweep them: for drivers that ignore TTLs (fs, memory). */
  sweep?: boolean | (() => boolean)
  /**
   * True when `sub` is the person for every login method (the app's accounts link several
   * methods to one user id): a provider given to `revokeUser` / `listUser` then narrows nothing.
   */
  perSub?: () => boolean
  /**
   * The providers whose sessions of one `sub` are one person with `provider`'s (the built-in
   * password and email providers: both take `sub` from the app's account id). Default: itself.
   */
  samePerson?: (provider: string) => string[]
  now?: () => number
}
