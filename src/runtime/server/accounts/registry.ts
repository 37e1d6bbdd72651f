import type { AccountsDefinition } from './types'

let definition: AccountsDefinition | undefined

/** Registered by `defineAccounts` (a Nitro plugin of the app). */
export function registerAccounts(next: AccountsDefinition): void {
  definition = next
}

/** The app's account callbacks, or undefined when the app keeps one identity per user. */
export function useAccounts(): AccountsDefinition | undefined {
  return definition
}

/** With accounts, `sub` is the person for every login method: sessions are found per sub. */
export const accountsEnabled = (): boolean => definition !== undefined
