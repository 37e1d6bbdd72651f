/**
 * Options of the email one-time code and magic-link login (`nuxtAegis.providers.email`).
 * The app's callbacks (find users, send the code, create users) are code, not config: they are
 * registered with `defineEmailProvider({...})` in a Nitro plugin (see docs/email-login.md).
 */
import type { RateLimitPairOptions } from './password-options'

export type { EmailProviderDefinition, EmailLoginMessage } from '../runtime/server/email/types'

export interface EmailProviderOptions {
  /** Serve `<authPath>/email/start` and `<authPath>/email/verify`. @default true when `providers.email` is present */
  enabled?: boolean
  /**
   * Let an address without an account sign up: after its code or link is confirmed, the app's
   * `createUser` callback creates the account. Off: unknown addresses get the same answer and no mail.
   * @default false (env NUXT_AEGIS_EMAIL_SIGN_UP)
   */
  signUp?: boolean
  /** The emailed one-time code. */
  code?: {
    /** Digits of the code, 8 to 10 (a code alone signs in; docs/email-login.md has the arithmetic). @default 8 (env NUXT_AEGIS_EMAIL_CODE_DIGITS) */
    digits?: number
    /** Lifetime in seconds of the code and the link. @default 600 */
    expiresIn?: number
    /** Wrong codes before the code is dead; wrong link secrets have a budget of this size of their own. @default 5 */
    maxAttempts?: number
  }
  /**
   * Rate limits, counted in the credentials store (`providers.password.storage`, mount
   * `aegis:credentials`); over the limit: 429 with `Retry-After`. `send`: `/email/start`;
   * `code`: code and link entry at `/email/verify`. `perEmail` counts per account (or per
   * address without one).
   * @default send 3/email and 20/IP per 15 min, code 10/email and 100/IP per 15 min
   */
  rateLimit?: {
    send?: RateLimitPairOptions
    code?: RateLimitPairOptions
  }
  /**
   * The page of your app that confirms an emailed link: the message's `url` is
   * `<siteUrl><links.login>?token=…`. The page must POST the token to `/email/verify`
   * (mail scanners only GET). A path on this site (no `//`, scheme, backslash, `@` or `#`;
   * anything else stops the start). Empty: no link. Needs `siteUrl` in production.
   * @default { login: '' }
   */
  links?: { login?: string }
}

export const emailDefaults = {
  enabled: false,
  signUp: false,
  code: { digits: 8, expiresIn: 600, maxAttempts: 5 },
  rateLimit: {
    send: { perEmail: { limit: 3, window: 900 }, perIp: { limit: 20, window: 900 } },
    code: { perEmail: { limit: 10, window: 900 }, perIp: { limit: 100, window: 900 } },
  },
  links: { login: '' },
}

export type ResolvedEmailOptions = typeof emailDefaults
