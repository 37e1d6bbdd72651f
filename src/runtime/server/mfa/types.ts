import type { H3Event } from 'h3'

/** Whose factors: the token's `sub` (shared by every login method of one user) and the login's provider. */
export interface MfaUser {
  sub: string
  provider: string
  email?: string
}

/**
 * What the app stores per user (one JSON value, e.g. a column). Opaque to the app: the TOTP
 * secret is AES-256-GCM encrypted by the module, the recovery codes are SHA-256 hashes.
 */
export interface StoredFactors {
  v: 1
  totp: {
    /** The encrypted secret (`aegis-enc.<kid>.<sealed>`, bound to the user). */
    secret: string
    /** When the factor was confirmed (ms since the epoch). */
    createdAt: number
  }
  /** Hashes of the recovery codes not used yet. */
  recoveryCodes: string[]
}

/** The app's storage of enrolled factors, registered with `defineMfaProvider`. */
export interface MfaProviderDefinition {
  /** The user's stored factors, or null when the user has none. */
  findFactors: (user: MfaUser, event: H3Event) => StoredFactors | null | undefined | Promise<StoredFactors | null | undefined>
  /** Stores the user's factors (enrolment, a recovery code used) or removes them (`null`: disabled). */
  saveFactors: (user: MfaUser, factors: StoredFactors | null, event: H3Event) => unknown
}
