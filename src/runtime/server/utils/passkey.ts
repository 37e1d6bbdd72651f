import { defineNitroPlugin } from 'nitropack/runtime'
import { registerProviderHandler } from '../context/services'
import { registerPasskeyProvider } from '../passkeys/services'
import type { PasskeyProviderDefinition } from '../passkeys/types'

export type { PasskeyCredential, PasskeyCredentialChange, PasskeyProviderDefinition } from '../passkeys/types'

/**
 * Registers the app's passkey store for `<authPath>/passkey/*`. Export it as a Nitro plugin:
 * `export default definePasskeyProvider({ findCredential, listCredentials, saveCredential, deleteCredential, findUser })`
 * in `server/plugins/passkey.ts` (see docs/passkeys.md).
 */
export function definePasskeyProvider(definition: PasskeyProviderDefinition) {
  registerPasskeyProvider(definition)
  // Refresh runs the claims function of the provider a session came from.
  registerProviderHandler('passkey', { customClaims: definition.customClaims })
  return defineNitroPlugin(() => {})
}
