import type { H3Event } from 'h3'
import { log } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { isAccountOf, lookalikeKey } from './account'
import type { PasswordAccount } from './account'

/** An app's `findUser`: the password provider's, or another email-identified provider's (email codes). */
export type FindAccount = (email: string, event: H3Event) => PasswordAccount | null | undefined | Promise<PasswordAccount | null | undefined>

export interface AccountLookup {
  /** The account of the typed address: `findUser` found it and its stored address is that address. */
  account?: PasswordAccount
  /** `findUser` returned an account of another address (a loose match): treated as unknown, and nothing may be created for the typed address. */
  lookalike: boolean
  /** Key of codes: the account's id, or the typed address when there is no account. */
  subject: string
  /**
   * Keys of the per-account limits. A known account counts under its id **and** under the typed
   * address's key, like an unknown one: with the address key alone for unknown addresses, a few
   * requests with a look-alike spelling (which never mails anyone) followed by the real address
   * would tell from a 429 or a 202 whether the account exists.
   */
  limitKeys: string[]
}

/** The key of an account's codes and counters. */
export const subjectOf = (account: Pick<PasswordAccount, 'id'>) => `account:${account.id}`

/**
 * Looks the typed (normalized) address up with the app's `findUser` and keeps the account only
 * when its stored address is the typed one: a loosely matching lookup (case- and
 * accent-insensitive collations) must not hand codes, limits or passwords of one account to a
 * look-alike address. Every flow that identifies an account by email finds it here.
 */
export async function lookupAccountWith(find: FindAccount, event: H3Event, email: string): Promise<AccountLookup> {
  const found = await find(email, event)
  // Without an account, spellings a loose collation treats as one (soft hyphens, accents) share one budget.
  const unknown = `email:${lookalikeKey(email)}`
  if (!found || typeof found.id !== 'string' || !found.id) return { lookalike: false, subject: unknown, limitKeys: [unknown] }
  if (!isAccountOf(found, email)) {
    log.warn(`findUser returned an account whose stored email is not the requested one (${fingerprint(email)}): treated as unknown`)
    return { lookalike: true, subject: unknown, limitKeys: [unknown] }
  }
  const subject = subjectOf(found)
  return { account: found, lookalike: false, subject, limitKeys: [subject, unknown] }
}
