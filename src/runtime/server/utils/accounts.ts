import { defineNitroPlugin } from 'nitropack/runtime'
import { registerAccounts } from '../accounts/registry'
import type { AccountsDefinition } from '../accounts/types'

export type { AccountsDefinition } from '../accounts/types'

/**
 * Registers the app's user accounts: several sign-in methods (Google, GitHub, a password, a
 * passkey) per user. Export it as a Nitro plugin, `export default defineAccounts({ resolveUser,
 * findUserByIdentity, linkIdentity, listIdentities, unlinkIdentity })` in
 * `server/plugins/accounts.ts` (calling it inside your own plugin works too: it registers when
 * called). Then every provider login goes through `resolveUser` (the app's user, with the app's
 * stable `sub`), `login(provider, { link: true })` links a method to the logged-in user, and
 * sessions are per `sub` across methods. See docs/accounts.md.
 */
export function defineAccounts(definition: AccountsDefinition) {
  registerAccounts(definition)
  return defineNitroPlugin(() => {})
}
