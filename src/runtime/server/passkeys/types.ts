import type { H3Event } from 'h3'
import type { AegisUser, CustomClaims } from '../../types'

type MaybePromise<T> = T | Promise<T>

/**
 * A passkey as the app stores it. Every field is plain JSON (strings, numbers, booleans),
 * so it fits any database column; `id` and `publicKey` are base64url.
 */
export interface PasskeyCredential {
  /** The credential ID (base64url), unique per authenticator credential. Match it exactly (case-sensitive). */
  id: string
  /** The `sub` of the user who registered it: passkey logins sign in as this user. */
  userId: string
  /** The COSE public key (base64url). */
  publicKey: string
  /** The authenticator's signature counter at its last use (0 when it keeps none). */
  counter: number
  /** Transports the browser reported (`internal`, `hybrid`, `usb`, ...), handed back as hints. */
  transports?: string[]
  /** `multiDevice`: the key may be synced (a synced passkey); `singleDevice`: it never leaves the authenticator. */
  deviceType: 'singleDevice' | 'multiDevice'
  /** Whether the authenticator reported the key as backed up. */
  backedUp: boolean
  /** The authenticator model's AAGUID ('00000000-…' when it does not say). */
  aaguid?: string
  /** A label for the user's list ("MacBook", "YubiKey"): what `register({ name })` gave. */
  name?: string
  /** Unix seconds. */
  createdAt: number
  /** Unix seconds of the last login with it. */
  lastUsedAt?: number
}

/** Why `saveCredential` is called: a new passkey, or a login that moved its counter and last use. */
export type PasskeyCredentialChange = 'register' | 'use'

/** The app's side of passkey login, registered with `definePasskeyProvider`. */
export interface PasskeyProviderDefinition {
  /**
   * The credential with exactly this ID, or null. A loose (case-insensitive) match is
   * treated as unknown: the module compares the returned `id` byte for byte.
   */
  findCredential: (id: string, event: H3Event) => MaybePromise<PasskeyCredential | null | undefined>
  /** The user's passkeys (their `userId` is the token's `sub`). */
  listCredentials: (userId: string, event: H3Event) => MaybePromise<PasskeyCredential[]>
  /** Stores a new passkey (`'register'`) or an updated one (`'use'`: new `counter` and `lastUsedAt`). */
  saveCredential: (credential: PasskeyCredential, change: PasskeyCredentialChange, event: H3Event) => MaybePromise<unknown>
  /** Deletes the passkey `id` of `userId` (scope the delete by both). */
  deleteCredential: (id: string, userId: string, event: H3Event) => MaybePromise<unknown>
  /**
   * The user a passkey login signs in (profile fields for the token), or null to refuse the
   * login (a deleted or locked account). Without it the user is `{ sub: userId }`.
   */
  findUser?: (userId: string, event: H3Event) => MaybePromise<AegisUser | null | undefined>
  /** Extra access-token claims; a function runs again on refresh with the stored user. */
  customClaims?: CustomClaims
}
