import type { H3Event } from 'h3'
import type { AccountIdentity, AccountUser, AegisProfile, AegisUser } from '../../types'
import { fingerprint } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import { normalizeEmail, userFromProfile } from '../password/account'
import type { AccountsDefinition } from './types'

/**
 * The identity a provider login proved: the provider's own subject (from its verified profile,
 * never from hooks that may rename `sub`), and its email with the provider's verified flag.
 */
export function identityOf(provider: string, proven: AegisProfile, profile: AegisUser): AccountIdentity {
  const email = normalizeEmail(proven.email)
  return { provider, subject: proven.sub, ...(email ? { email } : {}), emailVerified: email !== undefined && proven.email_verified === true, profile }
}

/** Runs an app callback; its own AegisError stands, anything else is logged and becomes `code`. */
export async function appCall<T>(name: string, run: () => T | Promise<T>, code: 'login_failed' | 'link_failed' | 'server_error' = 'server_error'): Promise<T> {
  try {
    return await run()
  }
  catch (error) {
    if (error instanceof AegisError) throw error
    log.error(`accounts: ${name} threw: ${error instanceof Error ? error.name : 'unknown error'}`)
    throw new AegisError(500, code, `${name} threw`)
  }
}

/**
 * Only when the app opted in (`linkByVerifiedEmail`), the provider says the email is verified,
 * no user has the identity yet, and the app's user with that email has it verified too: link.
 * A loose lookup (case- or accent-insensitive) that finds another address links nothing.
 */
async function linkByEmail(accounts: AccountsDefinition, identity: AccountIdentity, event: H3Event): Promise<void> {
  if (!accounts.linkByVerifiedEmail || !identity.emailVerified || !identity.email) return
  if (await appCall('findUserByIdentity', () => accounts.findUserByIdentity(identity, event), 'login_failed')) return
  const candidate = await appCall('linkByVerifiedEmail', () => accounts.linkByVerifiedEmail!(identity.email!, event), 'login_failed')
  if (!candidate) return
  if (candidate.email_verified !== true || normalizeEmail(candidate.email) !== identity.email) {
    log.info(`accounts: ${identity.provider} identity ${fingerprint(identity.subject)} not linked by email: the account's email is not the same verified address`)
    return
  }
  await appCall('linkIdentity', () => accounts.linkIdentity({ user: candidate, identity, event }), 'login_failed')
  log.info(`accounts: ${identity.provider} identity ${fingerprint(identity.subject)} linked by verified email to ${fingerprint(candidate.sub)}`)
}

/**
 * A provider login with accounts: the app's user for the identity. The result keeps the
 * login method as `provider` and takes the app's `sub`; secret-looking fields are dropped.
 */
export async function resolveAccountUser(accounts: AccountsDefinition, identity: AccountIdentity, user: AegisUser, event: H3Event): Promise<AegisUser> {
  await linkByEmail(accounts, identity, event)
  const resolved: AccountUser | null | undefined = await appCall('resolveUser', () => accounts.resolveUser({ identity, user, event }), 'login_failed')
  if (!resolved) throw new AegisError(403, 'access_denied', `resolveUser refused ${identity.provider} identity ${fingerprint(identity.subject)}`)
  try {
    return userFromProfile(resolved, identity.provider)
  }
  catch {
    throw new AegisError(500, 'login_failed', 'resolveUser returned a user without a usable sub')
  }
}
