/** Options of an unstorage mount (`tokenRefresh.storage`, `authCode.storage`, `providers.password.storage`). */
export interface StorageOptions {
  /**
   * unstorage driver name: `'fs'`, `'memory'`, `'redis'` or any other unstorage driver;
   * the other keys are passed to the driver.
   * @default 'fs'
   */
  driver?: string
  /** Directory of the fs driver. @default './.data/refresh-tokens' */
  base?: string
  /** Key prefix for session records. @default 'refresh:' */
  prefix?: string
  [driverOption: string]: unknown
}
