import type { H3Event } from 'h3'
import type { CustomClaims } from '../../types'
import type { PasswordAccount } from '../password/account'

/** What `findUser` returns: the stored account (`id`, the stored `email`, profile fields). */
export type EmailAccount = PasswordAccount

/** What `sendVerificationCode` must deliver to the address. */
export interface EmailLoginMessage {
  /** The account's stored address (never the spelling a client typed), or the new address of a sign-up. */
  email: string
  purpose: 'email'
  /** The short code to type in (`code.digits` digits). */
  code: string
  /** The long link token; the page it leads to must POST it to `/email/verify` (never sign in on GET). */
  token: string
  /** `<siteUrl><links.login>?token=…` when that page is configured. */
  url?: string
  /** Seconds the code and token stay valid. */
  expiresIn: number
  /** True when the address has no account yet and signing in creates one (`signUp`). */
  signUp: boolean
}

/** The app's side of the email code login, registered with `defineEmailProvider`. */
export interface EmailProviderDefinition {
  /**
   * The account for a normalized (trimmed, lower-case, NFC) email, or null. It may match loosely
   * (a case- or accent-insensitive collation): an account whose stored `email` is not the
   * requested address is treated as unknown, and codes only ever go to the stored address.
   */
  findUser: (email: string, event: H3Event) => EmailAccount | null | undefined | Promise<EmailAccount | null | undefined>
  /** Deliver the code (and link) by email. Called without waiting for it, so answers do not reveal whether an account exists. */
  sendVerificationCode: (message: EmailLoginMessage, event: H3Event) => void | Promise<void>
  /**
   * Creates the account of an address that proved its mailbox (only with `signUp: true`);
   * returns it (with its `id`), or `findUser` is asked for it again.
   */
  createUser?: (input: { email: string, emailVerified: true }, event: H3Event) => EmailAccount | null | undefined | Promise<EmailAccount | null | undefined>
  /** Extra access-token claims; a function runs again on refresh with the stored user. */
  customClaims?: CustomClaims
  /**
   * `'password'` when `findUser` reads the same accounts as the password provider's (the same
   * ids): a password login and an email-code login of one account are then one person, and their
   * sessions are found, listed and ended together (a password reset ends the email-code sessions
   * too). Leave it unset when the two read different tables: ids that collide would otherwise
   * mix two people's sessions.
   * @default undefined (sessions of the two providers are kept apart)
   */
  sharesAccountsWith?: 'password'
}
