import type { H3Event } from 'h3'
import { useStorage } from 'nitropack/runtime'
import type { AccountIdentity, AegisProfile, AegisUser, IdentityRef } from '../../types'
import { fingerprint, sha256 } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import { lazyLocks, locksForMount, withLock } from '../core/locks'
import type { Locks } from '../core/locks'
import { getRefreshCookie } from '../context/cookies'
import { useAegis } from '../context/services'
import { sessionId } from '../sessions/provider-tokens'
import { appCall, identityOf } from './resolve'
import type { AccountsDefinition } from './types'

let locks: Locks | undefined
/** Account locks live beside the sessions' (shared on Redis), under their own prefix. */
function accountLocks(): Locks {
  locks ??= lazyLocks(() => locksForMount(useStorage(), 'aegis:refresh', `${useAegis().config.tokenRefresh.prefix}accounts:`))
  return locks
}

/** One link of an identity at a time, whichever way it is made. */
const identityLock = (identity: IdentityRef) => `identity:${sha256(`${identity.provider}\u0000${identity.subject}`)}`

/**
 * The session of this browser's refresh cookie, when it is the one the link was started from
 * (same `sid`, same user). A link is never completed for whoever happens to be logged in now:
 * after a logout, or with another user's session in this browser, it fails.
 */
export async function linkingSession(event: H3Event, link: { sub: string, sid: string }): Promise<AegisUser> {
  const cookie = getRefreshCookie(event)
  const session = cookie ? await useAegis().sessions.get(cookie.token, { legacyCookie: cookie.legacy }) : undefined
  if (!session || sessionId(session.familyId) !== link.sid || session.user.sub !== link.sub) {
    throw new AegisError(400, 'link_failed', `link of ${fingerprint(link.sub)} completed without the session that started it`)
  }
  return session.user
}

/**
 * Links the identity a provider login just proved to the user who started the link. One link of
 * an identity at a time (a lock per identity, shared on Redis): it belongs to one user only.
 */
export async function completeLink(accounts: AccountsDefinition, event: H3Event, link: { sub: string, sid: string }, provider: string, proven: AegisProfile, profile: AegisUser): Promise<void> {
  const user = await linkingSession(event, link)
  const identity = identityOf(provider, proven, profile)
  await withLock(accountLocks(), identityLock(identity), async () => {
    const owner = await appCall('findUserByIdentity', () => accounts.findUserByIdentity(identity, event), 'link_failed')
    if (owner && owner.sub !== user.sub) {
      throw new AegisError(409, 'identity_already_linked', `${provider} identity ${fingerprint(identity.subject)} is linked to another user`)
    }
    if (owner) return
    await appCall('linkIdentity', () => accounts.linkIdentity({ user, identity, event }), 'link_failed')
    log.info(`accounts: ${provider} identity ${fingerprint(identity.subject)} linked to ${fingerprint(user.sub)}`)
  })
}

/**
 * Links an identity the logged-in `user` proves without a provider login (a passkey being
 * registered), then stores that method's own record (`store`: the credential). The link comes
 * first and the record only once it stands: an identity of another user (409
 * `identity_already_linked`) or an app that refuses the link leaves no record, so no way in
 * exists that the accounts do not know. A failed `store` undoes the link it made.
 */
export async function linkThenStore<T>(accounts: AccountsDefinition, event: H3Event, user: AegisUser, identity: AccountIdentity, store: () => Promise<T>): Promise<T> {
  return withLock(accountLocks(), identityLock(identity), async () => {
    const owner = await appCall('findUserByIdentity', () => accounts.findUserByIdentity(identity, event), 'link_failed')
    if (owner && owner.sub !== user.sub) {
      throw new AegisError(409, 'identity_already_linked', `${identity.provider} identity ${fingerprint(identity.subject)} is linked to another user`)
    }
    if (!owner) await appCall('linkIdentity', () => accounts.linkIdentity({ user, identity, event }), 'link_failed')
    try {
      const stored = await store()
      if (!owner) log.info(`accounts: ${identity.provider} identity ${fingerprint(identity.subject)} linked to ${fingerprint(user.sub)}`)
      return stored
    }
    catch (error) {
      if (!owner) {
        await Promise.resolve(accounts.unlinkIdentity?.({ user, identity, event }))
          .catch(() => log.error(`accounts: ${identity.provider} identity ${fingerprint(identity.subject)} stays linked to ${fingerprint(user.sub)} without its record (unlinkIdentity threw)`))
      }
      throw error
    }
  })
}

/** What removes a method's own record (a passkey's credential) when it is unlinked, per provider. */
export type IdentityRemover = (input: { user: Pick<AegisUser, 'sub'>, identity: IdentityRef, event: H3Event }) => Promise<unknown>
const removers = new Map<string, IdentityRemover>()

/** Registered by capabilities that keep a record per identity (passkeys). */
export function registerIdentityRemover(provider: string, remover: IdentityRemover): void {
  removers.set(provider, remover)
}

export interface UnlinkOptions {
  /** Removes the method's own record first (default: the provider's registered remover). */
  remove?: () => Promise<unknown>
  /** A record the caller checked is the user's, but that the app does not list as a method, is removed too (passkeys from before `defineAccounts`). */
  unlisted?: boolean
}

/**
 * Unlinks one method of a user, never the last (one change per user at a time). A method with
 * its own record (a passkey) loses the record first: once it is gone the method opens nothing,
 * whatever happens to the link.
 */
export async function unlink(accounts: AccountsDefinition, event: H3Event, user: Pick<AegisUser, 'sub'>, identity: IdentityRef, options: UnlinkOptions = {}): Promise<IdentityRef[]> {
  const remover = removers.get(identity.provider)
  const remove = options.remove ?? (remover && (() => remover({ user, identity, event })))
  if (!accounts.unlinkIdentity && !remove) throw new AegisError(404, 'not_found', 'unlinkIdentity is not defined')
  return withLock(accountLocks(), `user:${sha256(user.sub)}`, async () => {
    const methods = await appCall('listIdentities', () => accounts.listIdentities({ user, event }))
    const same = (m: IdentityRef) => m.provider === identity.provider && m.subject === identity.subject
    const listed = methods.some(same)
    if (!listed && !options.unlisted) throw new AegisError(404, 'not_found', 'no such sign-in method for this user')
    if (listed && methods.length <= 1) throw new AegisError(409, 'last_identity', `last sign-in method of ${fingerprint(user.sub)}`)
    if (remove) await remove()
    if (listed && accounts.unlinkIdentity) await appCall('unlinkIdentity', () => accounts.unlinkIdentity!({ user, identity, event }))
    log.info(`accounts: ${identity.provider} identity ${fingerprint(identity.subject)} unlinked from ${fingerprint(user.sub)}`)
    return methods.filter(m => !same(m))
  })
}

/** The user of the request's valid access token (route protection set it), or a 401. */
export function bearerUser(event: H3Event): AegisUser {
  const user = event.context.user as AegisUser | undefined
  if (!user || typeof user.sub !== 'string') throw new AegisError(401, 'unauthorized', 'no valid access token')
  // An impersonator must not add or remove the user's ways in (a link would outlive the impersonation).
  if ((user as Record<string, unknown>).act !== undefined) throw new AegisError(403, 'impersonation_not_allowed', 'sign-in methods cannot be managed while impersonating')
  return user
}
