import type { H3Event } from 'h3'
import type { AccountIdentity, AegisUser } from '../../types'
import { linkThenStore, registerIdentityRemover, resolveAccountUser, unlink, useAccounts } from '../accounts/login'
import type { PasskeyProviderDefinition } from './types'

/**
 * Passkeys as a sign-in method of `defineAccounts`: each passkey is one identity,
 * `{ provider: 'passkey', subject: <credential ID> }`. The credential ID, not the user handle:
 * the handle is one per user (every passkey of a user has the same one), so it could neither
 * name the passkey a user unlinks nor tell whether a new passkey's ID is someone else's.
 */
export const PASSKEY = 'passkey'

/** A passkey proves no email: never linked by email, whatever the profile says. */
export const passkeyIdentity = (credentialId: string, profile: AegisUser): AccountIdentity =>
  ({ provider: PASSKEY, subject: credentialId, emailVerified: false, profile })

/** A new passkey of the logged-in user: with accounts, linked first and saved only once the link stands. */
export function storeNewPasskey<T>(event: H3Event, user: AegisUser, credentialId: string, save: () => Promise<T>): Promise<T> {
  const accounts = useAccounts()
  return accounts ? linkThenStore(accounts, event, user, passkeyIdentity(credentialId, user), save) : save()
}

/** A passkey login: with accounts, the app's user for this passkey (`resolveUser`, `null` refuses); else the credential's user. */
export async function passkeyLoginUser(event: H3Event, credentialId: string, user: AegisUser): Promise<AegisUser> {
  const accounts = useAccounts()
  return accounts ? resolveAccountUser(accounts, passkeyIdentity(credentialId, user), user, event) : user
}

/** Deletes one of the user's passkeys (already checked to be theirs); with accounts as an unlink, never the last method. */
export async function removePasskey(event: H3Event, user: AegisUser, credentialId: string, remove: () => Promise<unknown>): Promise<void> {
  const accounts = useAccounts()
  if (!accounts) await remove()
  else await unlink(accounts, event, { sub: user.sub }, { provider: PASSKEY, subject: credentialId }, { remove, unlisted: true })
}

/** `POST /unlink { provider: 'passkey', subject }` deletes the credential before the link (scoped to the user). */
export function registerPasskeyRemover(definition: PasskeyProviderDefinition): void {
  registerIdentityRemover(PASSKEY, ({ user, identity, event }) => Promise.resolve(definition.deleteCredential(identity.subject, user.sub, event)))
}
