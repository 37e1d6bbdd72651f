import { defineNitroPlugin } from 'nitropack/runtime'
import { registerMfaProvider } from '../mfa/services'
import type { MfaProviderDefinition } from '../mfa/types'

export type { MfaProviderDefinition, MfaUser, StoredFactors } from '../mfa/types'

/**
 * Registers where enrolled second factors are stored. Export it as a Nitro plugin:
 * `export default defineMfaProvider({ findFactors, saveFactors })` in `server/plugins/mfa.ts`.
 * The record is opaque (an encrypted secret and hashed recovery codes): store it as JSON.
 */
export function defineMfaProvider(definition: MfaProviderDefinition) {
  registerMfaProvider(definition)
  return defineNitroPlugin(() => {})
}
