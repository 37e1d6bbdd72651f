/**
 * Options of second factors (`nuxtAegis.mfa`): TOTP authenticator apps and recovery codes.
 * Where enrolled factors are stored is the app's choice, through the callbacks of
 * `defineMfaProvider({ findFactors, saveFactors })` in a Nitro plugin (see docs/two-factor.md).
 */
import type { RateLimitRuleOptions } from './password-options'

export interface MfaRateLimitOptions {
  /** Counter per user (the token's `sub`). */
  perUser?: RateLimitRuleOptions
  /** Counter per client IP (see `trustProxy`). */
  perIp?: RateLimitRuleOptions
}

export interface MfaOptions {
  /** Serve `<authPath>/mfa/*` and ask for the second factor at login. @default true when `mfa` is present */
  enabled?: boolean
  /** The issuer shown by authenticator apps (`otpauth://totp/<issuer>:<email>`). @default 'nuxt-aegis' (env NUXT_AEGIS_MFA_ISSUER) */
  issuer?: string
  /**
   * Ask users with a factor for it after OAuth logins too (at `POST <authPath>/token`; the
   * callback page shows the code form), as after password and email-code logins. `false` lets
   * OAuth logins skip the module's factor (for apps that rely on the provider's own MFA): then a
   * linked Google or GitHub identity logs into an account with TOTP without the code.
   * @default true (env NUXT_AEGIS_MFA_OAUTH)
   */
  oauth?: boolean
  /** The step between a login's first factor and its second one. */
  step?: {
    /** Seconds the step token stays valid. @default 300 */
    expiresIn?: number
    /** Wrong codes before the step token is dead (the login starts over). @default 5 */
    maxAttempts?: number
  }
  /** Seconds an enrolment waits for its first code. @default 600 */
  enrollExpiresIn?: number
  /**
   * Rate limits on code entry (login step, enrolment confirmation, disabling), counted in the
   * credentials store (`aegis:credentials`); over the limit: 429 with `Retry-After`.
   * @default 10 per user and 100 per IP per 15 min
   */
  rateLimit?: MfaRateLimitOptions
}

export const mfaDefaults = {
  enabled: false,
  issuer: 'nuxt-aegis',
  oauth: true,
  step: { expiresIn: 300, maxAttempts: 5 },
  enrollExpiresIn: 600,
  rateLimit: { perUser: { limit: 10, window: 900 }, perIp: { limit: 100, window: 900 } },
}

export type ResolvedMfaOptions = typeof mfaDefaults
