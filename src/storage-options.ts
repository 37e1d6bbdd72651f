/**
 * Mount options of the module's storage (`aegis:refresh`, `aegis:codes`, `aegis:credentials`)
 * from the user's storage options: defaults apply per driver, so an option that only means
 * something to one driver never reaches another. The fs directory handed to Redis, for one,
 * becomes a key prefix (`.:.data:refresh-tokens:`) that nobody looks under.
 */
import type { StorageOptions } from './options'

/** Options a driver gets when the user names it without them. */
export type DriverDefaults = Record<string, Record<string, unknown>>

export interface StorageMountSpec {
  /** Driver options when the user gave none. */
  fallback: StorageOptions
  /** Defaults per driver name, under the user's own values. */
  defaults: DriverDefaults
  /**
   * The module's bounded memory driver (it honours TTLs, sweeps, caps entries): used for
   * `driver: 'memory'`, since unstorage's memory driver keeps every entry forever.
   */
  memoryDriver: string
}

/** Directories of the fs drivers, one per mount. */
export const FS_BASES = {
  refresh: './.data/refresh-tokens',
  codes: './.data/auth-codes',
  credentials: './.data/credentials',
} as const

const fsDefaults = (base: string): DriverDefaults => ({ 'fs': { base }, 'fs-lite': { base } })

/** Entries of the credentials memory store (codes, rate-limit counters) before the oldest go. */
export const CREDENTIALS_MAX_ENTRIES = 100_000

export function refreshStorageSpec(memoryDriver: string): StorageMountSpec {
  // No cap for sessions: evicting a live record would silently drop a user index or a rotated
  // token, so logout everywhere or reuse detection would miss sessions.
  return { fallback: { driver: 'fs' }, defaults: { ...fsDefaults(FS_BASES.refresh), memory: { maxEntries: 0 } }, memoryDriver }
}

export function codesStorageSpec(memoryDriver: string): StorageMountSpec {
  return { fallback: { driver: 'memory' }, defaults: fsDefaults(FS_BASES.codes), memoryDriver }
}

export function credentialsStorageSpec(memoryDriver: string): StorageMountSpec {
  return { fallback: { driver: 'memory' }, defaults: { ...fsDefaults(FS_BASES.credentials), memory: { maxEntries: CREDENTIALS_MAX_ENTRIES } }, memoryDriver }
}

/**
 * The options to mount: the user's (or the fallback when none), under the defaults of the
 * driver they name. `prefix` is the module's key prefix, not a driver option: never passed on.
 */
export function resolveStorageOptions(input: StorageOptions | undefined, spec: StorageMountSpec): Record<string, unknown> {
  const { prefix: _prefix, ...given } = input ?? spec.fallback
  const name = String(given.driver ?? spec.fallback.driver)
  const options: Record<string, unknown> = { ...spec.defaults[name], ...given, driver: name }
  // Keys the user left undefined (e.g. a spread of an unset env value) do not erase a default.
  for (const [key, value] of Object.entries(spec.defaults[name] ?? {})) options[key] ??= value
  if (name === 'memory') options.driver = spec.memoryDriver
  return options
}
