/** Options of the sessions and their refresh cookie (`nuxtAegis.tokenRefresh`). */
import type { StorageOptions } from './storage-options'

export interface RefreshCookieOptions {
  /** @default 'nuxt-aegis-refresh' */
  cookieName?: string
  /**
   * Idle timeout, in seconds: a refresh token (and its cookie) not used for this long ends the
   * session. Each refresh starts it again, never beyond `tokenRefresh.absoluteTimeout`.
   * @default 604800
   */
  maxAge?: number
  /** `Secure` attribute. Dropped automatically only in dev on http://localhost. @default true */
  secure?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Always true; kept as an option for clarity. @default true */
  httpOnly?: boolean
  /** @default '/' */
  path?: string
  /** Cookie `Domain`; unset means host-only. @default undefined */
  domain?: string
}

export interface EncryptionOptions {
  /** Encrypt session records at rest (AES-256-GCM). @default false */
  enabled?: boolean
  /**
   * Encryption key, at least 32 bytes.
   * @default process.env.NUXT_AEGIS_ENCRYPTION_KEY
   */
  key?: string
  /** @default 'aes-256-gcm' */
  algorithm?: 'aes-256-gcm'
  /**
   * Former keys, still used to open records written before a key change (records are
   * re-encrypted with `key` on their next write). Remove one once `absoluteTimeout` has passed.
   * @default process.env.NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS (a JSON array)
   */
  previousKeys?: string[]
}

export interface TokenRefreshOptions {
  /** Issue refresh tokens and serve `POST /auth/refresh`. @default true */
  enabled?: boolean
  /** The client refreshes the access token before it expires and once at start-up. @default true */
  automaticRefresh?: boolean
  /** Rotate the refresh token on every use. @default true */
  rotation?: boolean
  /**
   * Seconds during which a just-rotated refresh token may still be presented (parallel tabs,
   * a response lost on the network): it gets the same successor, never a second live token.
   * After that, or for any older ancestor, a replay revokes the whole session family.
   * @default 10
   */
  reuseInterval?: number
  /**
   * Absolute timeout: a login lasts at most this long however often it is refreshed.
   * Seconds, or a duration such as `'30d'`, `'12h'`.
   * @default '30d'
   */
  absoluteTimeout?: string | number
  cookie?: RefreshCookieOptions
  storage?: StorageOptions
  encryption?: EncryptionOptions
}
