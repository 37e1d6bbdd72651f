/** Options of the CODE hand-off (`nuxtAegis.authCode`). */
import type { StorageOptions } from './storage-options'

export interface AuthCodeOptions {
  /** Lifetime of the one-time CODE handed to the callback page, in seconds. @default 60 */
  expiresIn?: number
  /**
   * unstorage driver options to share CODEs between instances (e.g. `{ driver: 'redis', url }`).
   * Unset keeps CODEs in process memory (one instance).
   * @default undefined
   */
  storage?: StorageOptions
}
