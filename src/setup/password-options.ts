/**
 * Options of the built-in email + password flows (`nuxtAegis.providers.password`).
 * The app's callbacks (find and persist users, send codes) are code, not config: they are
 * registered with `definePasswordProvider({...})` in a Nitro plugin (see docs/password.md).
 */
import type { StorageOptions } from './storage-options'

export type { PasswordAccount, PasswordProviderDefinition, PasswordUserChange, VerificationMessage, CodePurpose } from '../runtime/server/password/types'

export interface RateLimitRuleOptions {
  /** Attempts allowed per window. */
  limit: number
  /** Window length in seconds. */
  window: number
}

export interface RateLimitPairOptions {
  /** Counter per email address. */
  perEmail?: RateLimitRuleOptions
  /** Counter per client IP (see `trustProxy`). */
  perIp?: RateLimitRuleOptions
}

export interface PasswordProviderOptions {
  /** Serve the `<authPath>/password/*` endpoints. @default true when `providers.password` is present */
  enabled?: boolean
  /**
   * Whether login needs an emailed code:
   * `'off'` never (registration logs nothing in by itself; the user logs in with the password),
   * `'register'` once, to verify the address after registration (login refuses unverified accounts),
   * `'always'` on every login, after the password (and on registration).
   * @default 'register' (env NUXT_AEGIS_PASSWORD_LOGIN_CODE)
   */
  loginCode?: 'off' | 'register' | 'always'
  /** Password policy for new passwords; `definePasswordProvider({ validatePassword })` adds your own rules. */
  policy?: {
    /** @default 8 */
    minLength?: number
    /** @default 128 */
    maxLength?: number
  }
  /**
   * scrypt parameters for new hashes (`hashPassword`); stored hashes carry their own, and
   * `passwordNeedsRehash` tells when to hash again. Defaults: OWASP's N=2^15, r=8, p=3 (32 MiB).
   */
  scrypt?: {
    /** N, a power of two. @default 32768 */
    cost?: number
    /** r. @default 8 */
    blockSize?: number
    /** p. @default 3 */
    parallelization?: number
    /** @default 32 */
    keyLength?: number
    /** @default 16 */
    saltLength?: number
  }
  /** Emailed one-time codes (verification, login, reset). */
  code?: {
    /** Digits of the code. @default 6 */
    digits?: number
    /** Lifetime in seconds. @default 600 */
    expiresIn?: number
    /** Wrong entries before a code is dead. @default 5 */
    maxAttempts?: number
  }
  /**
   * Rate limits (fixed windows, counted in `storage`); over the limit: 429 with `Retry-After`.
   * `login`: password checks (login, change); `code`: code and link entry; `send`: requests that
   * email a code (register, resend, reset).
   * @default login 10/email and 100/IP per 15 min, code 10/email and 100/IP per 15 min, send 3/email and 20/IP per 15 min
   */
  rateLimit?: {
    login?: RateLimitPairOptions
    code?: RateLimitPairOptions
    send?: RateLimitPairOptions
  }
  /**
   * Pages of your app that confirm an emailed link: the `url` handed to `sendVerificationCode` is
   * `<siteUrl><path>?token=…`. The page must POST the token (link scanners only GET). Empty: no url.
   * @default { verify: '', reset: '' }
   */
  links?: { verify?: string, reset?: string }
  /**
   * unstorage driver options for codes and rate-limit counters (also used by
   * `defineCredentialsEventHandler`). Memory is per instance: use Redis for several instances.
   * @default { driver: 'memory' }
   */
  storage?: StorageOptions
}

export const passwordDefaults = {
  enabled: false,
  loginCode: 'register' as 'off' | 'register' | 'always',
  policy: { minLength: 8, maxLength: 128 },
  scrypt: { cost: 32768, blockSize: 8, parallelization: 3, keyLength: 32, saltLength: 16 },
  code: { digits: 6, expiresIn: 600, maxAttempts: 5 },
  rateLimit: {
    login: { perEmail: { limit: 10, window: 900 }, perIp: { limit: 100, window: 900 } },
    code: { perEmail: { limit: 10, window: 900 }, perIp: { limit: 100, window: 900 } },
    send: { perEmail: { limit: 3, window: 900 }, perIp: { limit: 20, window: 900 } },
  },
  links: { verify: '', reset: '' },
}

export type ResolvedPasswordOptions = typeof passwordDefaults
