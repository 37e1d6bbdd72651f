import type { H3Event } from 'h3'
import type { AccountIdentity, AccountUser, AegisUser, IdentityRef } from '../../types'

/**
 * The app's callbacks for users with several sign-in methods (`defineAccounts`). The module
 * never stores users or links: it asks these, and enforces the rules around them (a link is
 * bound to the logged-in user who started it, an identity belongs to one user, the last method
 * stays, email matching only when both sides say verified).
 */
export interface AccountsDefinition {
  /**
   * Every provider (OAuth) login: the app's user for this identity, found by the link
   * (provider, subject), or created on a first login; `null` refuses the login
   * (`access_denied`). Its `sub` is the app's stable user id: sessions, "logout everywhere" and
   * `revokeUserSessions` then work per person across linked methods. Never match by email here:
   * see `linkByVerifiedEmail`.
   */
  resolveUser: (input: { identity: AccountIdentity, user: AegisUser, event: H3Event }) => AccountUser | null | undefined | Promise<AccountUser | null | undefined>
  /** The user an identity is linked to, or null; never creates anything. Checked before every link. */
  findUserByIdentity: (identity: IdentityRef, event: H3Event) => Pick<AccountUser, 'sub'> | null | undefined | Promise<Pick<AccountUser, 'sub'> | null | undefined>
  /**
   * Stores a link of `identity` to `user` (the logged-in user who started `login(provider, { link: true })`,
   * or the account `linkByVerifiedEmail` found). The module has checked that no other user has it.
   */
  linkIdentity: (input: { user: AegisUser | AccountUser, identity: AccountIdentity, event: H3Event }) => void | Promise<void>
  /** The user's sign-in methods (a password counts as `{ provider: 'password', subject: <user id> }`, each passkey as `{ provider: 'passkey', subject: <credential ID> }`). */
  listIdentities: (input: { user: Pick<AegisUser, 'sub'>, event: H3Event }) => IdentityRef[] | Promise<IdentityRef[]>
  /** Removes a link. The module refuses to remove the user's last method (409 `last_identity`). */
  unlinkIdentity?: (input: { user: Pick<AegisUser, 'sub'>, identity: IdentityRef, event: H3Event }) => void | Promise<void>
  /**
   * Opt-in automatic linking by email at login: for an identity no user has yet whose provider
   * says the email is verified, the app's user with that email. The module links it only when
   * that user's `email_verified` is `true` and its email equals the provider's (normalized).
   * Off unless given: an unverified provider email is the classic account takeover.
   */
  linkByVerifiedEmail?: (email: string, event: H3Event) => AccountUser | null | undefined | Promise<AccountUser | null | undefined>
}
