/**
 * Mount options of the module's storage (`aegis:refresh`, `aegis:codes`, `aegis:credentials`)
 * from the user's storage options: defaults apply per driver, so an option that only means
 * something to one driver never reaches another. The fs directory handed to Redis, for one,
 * becomes a key prefix (`.:.data:refresh-tokens:`) that nobody looks under.
 */
import type { StorageOptions } from '../options'

/** Options a driver gets when the user names it without them. */
export type DriverDefaults = Record<string, Record<string, unknown>>

export interface StorageMountSpec {
  /** Driver options when the user gave none. */
  fallback: StorageOptions
  /** Defaults per driver name, under the user's own values. */
  defaults: DriverDefaults
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

export const STORAGE_SPECS = {
  // No cap for sessions: evicting a live record would silently drop a user index or a rotated
  // token, so logout everywhere or reuse detection would miss sessions.
  'aegis:refresh': { fallback: { driver: 'fs' }, defaults: { ...fsDefaults(FS_BASES.refresh), memory: { maxEntries: 0 } } },
  'aegis:codes': { fallback: { driver: 'memory' }, defaults: fsDefaults(FS_BASES.codes) },
  'aegis:credentials': { fallback: { driver: 'memory' }, defaults: { ...fsDefaults(FS_BASES.credentials), memory: { maxEntries: CREDENTIALS_MAX_ENTRIES } } },
} satisfies Record<string, StorageMountSpec>

/**
 * The options to mount: the user's (or the fallback when none), under the defaults of the
 * driver they name. `prefix` is the module's key prefix, not a driver option: never passed on.
 * `memory` stays `memory` here (Nitro imports drivers natively at build time); at run time a
 * plugin swaps in the module's bounded memory driver with these options (setup-storage.ts).
 */
export function resolveStorageOptions(input: StorageOptions | undefined, spec: StorageMountSpec): Record<string, unknown> {
  const { prefix: _prefix, ...given } = input ?? spec.fallback
  const name = String(given.driver ?? spec.fallback.driver)
  const options: Record<string, unknown> = { ...spec.defaults[name], ...given, driver: name }
  // Keys the user left undefined (e.g. a spread of an unset env value) do not erase a default.
  for (const [key, value] of Object.entries(spec.defaults[name] ?? {})) options[key] ??= value
  return options
}
