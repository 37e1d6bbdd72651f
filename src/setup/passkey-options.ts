/**
 * Options of passkey (WebAuthn) login (`nuxtAegis.providers.passkey`). The app's credential
 * store is code, not config: it is registered with `definePasskeyProvider({...})` in a Nitro
 * plugin (see docs/passkeys.md).
 */
import type { RateLimitRuleOptions } from './password-options'

export type { PasskeyCredential, PasskeyProviderDefinition, PasskeyCredentialChange } from '../runtime/server/passkeys/types'

export interface PasskeyProviderOptions {
  /**
   * Serve the `<authPath>/passkey/*` endpoints. The routes are built whenever
   * `providers.passkey` is present; `false` makes them answer 404 until the env var turns them on.
   * @default true when `providers.passkey` is present (env NUXT_AEGIS_PASSKEY_ENABLED)
   */
  enabled?: boolean
  /**
   * The name authenticators show next to the account ("Sign in to …").
   * @default 'nuxt-aegis' (env NUXT_AEGIS_PASSKEY_RP_NAME)
   */
  rpName?: string
  /**
   * Whether the authenticator must verify the user (PIN, fingerprint, face):
   * `'required'` refuses assertions without the UV flag; `'preferred'` asks for it and accepts
   * presence only; `'discouraged'` does not ask. The access token's `amr` says what happened.
   * @default 'preferred' (env NUXT_AEGIS_PASSKEY_USER_VERIFICATION)
   */
  userVerification?: 'required' | 'preferred' | 'discouraged'
  /**
   * Seconds a registration or login challenge stays valid (also the browser's `timeout`).
   * @default 300 (env NUXT_AEGIS_PASSKEY_CHALLENGE_TTL)
   */
  challengeTtl?: number
  /**
   * Rate limits per client IP (see `trustProxy`), fixed windows; over the limit: 429 with
   * `Retry-After`. `login`: login options and verifications (counted apart); `register`:
   * registration options and verifications per user.
   * @default login 60/IP per 5 min, register 20/user per 15 min
   */
  rateLimit?: {
    login?: { perIp?: RateLimitRuleOptions }
    register?: { perUser?: RateLimitRuleOptions }
  }
}

export const passkeyDefaults = {
  enabled: true,
  rpName: 'nuxt-aegis',
  userVerification: 'preferred' as 'required' | 'preferred' | 'discouraged',
  challengeTtl: 300,
  rateLimit: {
    login: { perIp: { limit: 60, window: 300 } },
    register: { perUser: { limit: 20, window: 900 } },
  },
}

export type ResolvedPasskeyOptions = typeof passkeyDefaults
