import type { H3Event } from 'h3'
import type { CustomClaims } from '../../types'
import type { PasswordAccount } from './account'
import type { CodePurpose } from './verification'

export type { PasswordAccount, CodePurpose }

/** What `onUserPersist` is asked to store. The hash is the only form a password ever takes here. */
export type PasswordUserChange
  /** Registration: create the account (not yet verified). */
  = | { action: 'create', email: string, passwordHash: string, emailVerified: false }
  /** The email address was confirmed with a code or link. */
    | { action: 'verify', id: string, email: string, emailVerified: true }
  /** A new hash: after a reset (which also proves the email), a change, or a rehash with new scrypt parameters. */
    | { action: 'password', id: string, email: string, passwordHash: string, reason: 'reset' | 'change' | 'rehash', emailVerified?: true }

/** What `sendVerificationCode` must deliver to the address. */
export interface VerificationMessage {
  email: string
  purpose: CodePurpose
  /** The short code to type in. */
  code: string
  /** The long link token; the page it leads to must POST it (never confirm on GET). */
  token: string
  /** `<siteUrl><links.verify|links.reset>?token=…` when that page is configured. */
  url?: string
  /** Seconds the code and token stay valid. */
  expiresIn: number
}

/** The app's side of the built-in password flows, registered with `definePasswordProvider`. */
export interface PasswordProviderDefinition {
  /** The account for a normalized (trimmed, lower-case) email, or null. */
  findUser: (email: string, event: H3Event) => PasswordAccount | null | undefined | Promise<PasswordAccount | null | undefined>
  /** Store a change (create the account, mark it verified, store a new hash). The return value is not used. */
  onUserPersist: (change: PasswordUserChange, event: H3Event) => unknown
  /** Deliver a code (and link) by email. Called without waiting for it, so answers do not reveal whether an account exists. */
  sendVerificationCode: (message: VerificationMessage, event: H3Event) => void | Promise<void>
  /** Your own password rules on top of `policy`: return true to accept, or a short reason (shown to the user) or false to refuse. */
  validatePassword?: (password: string, context: { email: string, event: H3Event }) => boolean | string | Promise<boolean | string>
  /** Extra access-token claims; a function runs again on refresh with the stored user. */
  customClaims?: CustomClaims
}
