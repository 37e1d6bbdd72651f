/** Options of an unstorage mount (`tokenRefresh.storage`, `authCode.storage`, `providers.password.storage`). */
export interface StorageOptions {
  /**
   * unstorage driver name: `'fs'`, `'memory'`, `'redis'` or any other unstorage driver;
   * the other keys are passed to the driver. `'memory'` is the module's bounded memory driver
   * (honours TTLs, sweeps expired entries, `maxEntries` caps it), not unstorage's.
   * @default 'fs' (sessions), 'memory' (password and credentials store)
   */
  driver?: string
  /**
   * The driver's `base`. Only the fs drivers get a default directory (`./.data/refresh-tokens`
   * for sessions, `./.data/auth-codes`, `./.data/credentials`); other drivers get none, so on
   * Redis keys start at the mount (`refresh:...`) unless you set one.
   * @default './.data/refresh-tokens' with `driver: 'fs'`, else unset
   */
  base?: string
  /** Key prefix for session records (`tokenRefresh.storage` only). @default 'refresh:' */
  prefix?: string
  [driverOption: string]: unknown
}
