import { defineNitroPlugin } from 'nitropack/runtime'
import * as scrypt from '../password/hash'
import type { ScryptParams } from '../password/hash'
import { registerProviderHandler } from '../context/services'
import { registerPasswordProvider, usePasswordServices } from '../password/services'
import type { PasswordProviderDefinition } from '../password/types'

export type { PasswordAccount, PasswordProviderDefinition, PasswordUserChange, VerificationMessage } from '../password/types'

/**
 * Hashes a password with scrypt (`node:crypto`) and a random salt, with the parameters of
 * `providers.password.scrypt` unless given. The result (`$scrypt$v=1$n=…,r=…,p=…$salt$key`)
 * carries its parameters. Passwords over 1024 bytes are refused.
 */
export function hashPassword(password: string, params?: Partial<ScryptParams>): Promise<string> {
  return scrypt.hashPassword(password, params ?? usePasswordServices().scrypt)
}

/** True when the password matches a hash made by `hashPassword` (constant-time compare); false for anything malformed. */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return scrypt.verifyPassword(password, hash)
}

/** True when a hash was made with other parameters than the configured ones: store a new hash after the next successful login. */
export function passwordNeedsRehash(hash: string, params?: Partial<ScryptParams>): boolean {
  return scrypt.passwordNeedsRehash(hash, params ?? usePasswordServices().scrypt)
}

/**
 * Registers the app's callbacks for the built-in password flows. Export it as a Nitro plugin:
 * `export default definePasswordProvider({ findUser, onUserPersist, sendVerificationCode })`
 * in `server/plugins/password.ts`. (Calling it inside your own plugin works too: it registers
 * when called; the returned plugin only checks the settings and prepares the dummy hash.)
 */
export function definePasswordProvider(definition: PasswordProviderDefinition) {
  registerPasswordProvider(definition)
  registerProviderHandler('password', { customClaims: definition.customClaims })
  return defineNitroPlugin(() => {
    // Invalid settings stop the server here; the dummy hash for unknown emails is made now, so
    // the first such login does not take longer.
    void usePasswordServices().dummyHash()
  })
}
