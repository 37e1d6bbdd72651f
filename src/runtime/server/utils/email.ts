import { defineNitroPlugin } from 'nitropack/runtime'
import { registerProviderHandler } from '../context/services'
import { registerEmailProvider } from '../email/services'
import type { EmailProviderDefinition } from '../email/types'

export type { EmailAccount, EmailLoginMessage, EmailProviderDefinition } from '../email/types'

/**
 * Registers the app's callbacks for the email one-time code and magic-link login. Export it as
 * a Nitro plugin: `export default defineEmailProvider({ findUser, sendVerificationCode })` in
 * `server/plugins/email.ts` (add `createUser` and `providers.email.signUp: true` to let new
 * addresses sign up).
 */
export function defineEmailProvider(definition: EmailProviderDefinition) {
  registerEmailProvider(definition)
  registerProviderHandler('email', { customClaims: definition.customClaims })
  return defineNitroPlugin(() => {})
}
