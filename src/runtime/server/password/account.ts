import type { AegisUser } from '../../types'
import { normalizeProfile } from '../oauth/profile'

/** What the app's `findUser` returns: the stored account, with its password hash. */
export interface PasswordAccount {
  /** Stable user id: becomes the token's `sub`. */
  id: string
  email: string
  /** The stored hash (`hashPassword`); null or absent for accounts without a password. */
  passwordHash?: string | null
  emailVerified?: boolean
  name?: string
  picture?: string
  /** Other primitive profile fields go into the user (and the token), except secret-looking ones. */
  [field: string]: unknown
}

/** Field names that never leave the account for the user, the session record or a token. */
export const SECRET_FIELD = /pass(?:word)?|hash|secret|salt|token|otp/i

/** Drops secret-looking fields (password, hash, salt, secret, token ...) from a user-like object. */
export function withoutSecrets<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([name]) => !SECRET_FIELD.test(name))) as T
}

/** The user a login produces: bounded profile fields, no hash, `provider` set. */
export function userFromProfile(profile: Record<string, unknown>, provider: string): AegisUser {
  const normalized = normalizeProfile(withoutSecrets(profile) as Parameters<typeof normalizeProfile>[0])
  return { ...normalized, provider }
}

/** The user of a password account: `sub` is the account id, `email_verified` what the app stored. */
/**
 * The built-in providers whose `sub` is the app's account id (`findUser().id`). When the app says
 * the email provider reads the password provider's accounts (`sharesAccountsWith: 'password'`),
 * a password login and an email-code login of one account are one person: their sessions are
 * found, listed and ended together (a password reset ends the email-code sessions too). Never by
 * default: two tables whose ids collide would mix two people.
 */
export const ACCOUNT_PROVIDERS: readonly string[] = ['password', 'email']

/** The providers whose sessions of one `sub` belong to the same person as `provider`'s (`shared`: the app said so). */
export const sameAccountProviders = (provider: string, shared: boolean): string[] =>
  shared && ACCOUNT_PROVIDERS.includes(provider) ? [...ACCOUNT_PROVIDERS] : [provider]

export function accountUser(account: PasswordAccount, provider = 'password'): AegisUser {
  const { id, emailVerified, passwordHash: _hash, ...rest } = account
  const user = userFromProfile({ ...rest, sub: id }, provider)
  // normalizeProfile reads email_verified; ours is the app's emailVerified.
  if (user.email !== undefined) user.email_verified = emailVerified === true
  return user
}

/**
 * Checks a password against an account, or against a dummy hash when there is no account
 * (or no password on it): unknown emails cost the same scrypt work as wrong passwords.
 */
export async function checkAccountPassword(
  account: PasswordAccount | null | undefined,
  password: string,
  deps: { verify: (password: string, hash: string) => Promise<boolean>, dummyHash: () => Promise<string> },
): Promise<boolean> {
  const stored = account && typeof account.passwordHash === 'string' && account.passwordHash ? account.passwordHash : undefined
  const ok = await deps.verify(password, stored ?? await deps.dummyHash())
  return ok && stored !== undefined
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/

/**
 * Trimmed, lower-cased, NFC-composed email, or undefined when it does not look like one (at
 * most 320 characters). Accents and look-alike characters stay what they are: `exámple.com`
 * is not `example.com`.
 */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const email = value.normalize('NFC').trim().toLowerCase()
  return email.length <= 320 && EMAIL.test(email) ? email : undefined
}

/**
 * A key under which every spelling a loose database collation may treat as one value falls
 * together: compatibility forms (fullwidth letters), accents and other marks, and ignorable
 * characters (soft hyphens, zero-width spaces) removed, lower-cased, spaces collapsed. For
 * rate limits and locks only: grouping too much only makes a limit stricter.
 */
export function lookalikeKey(value: string): string {
  return value.normalize('NFKD').replace(/[\p{M}\p{Default_Ignorable_Code_Point}]/gu, '').toLowerCase()
    .replace(/[øłđħßæœ]/g, letter => LETTER_FOLDS[letter]!).replace(/\s+/g, ' ').trim()
}

/** Letters without a decomposition that accent-insensitive collations still fold (ICU base strength). */
const LETTER_FOLDS: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ħ: 'h', ß: 'ss', æ: 'ae', œ: 'oe' }

/**
 * True when the account `findUser` returned is really the one of the typed address: its stored
 * email, normalized, equals the normalized typed one. An app's lookup may match loosely (case-
 * and accent-insensitive SQL collations find `victim@example.com` for `victim@exámple.com`);
 * such an account must be treated as unknown, or codes and passwords would reach it.
 */
export function isAccountOf(account: PasswordAccount, typedEmail: string): boolean {
  return normalizeEmail(account.email) === typedEmail
}
