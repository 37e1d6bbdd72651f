/**
 * The module's memory driver for unstorage (mounted for `driver: 'memory'`). unstorage's own
 * memory driver ignores `ttl` and keeps every entry forever: rate-limit counters and codes of
 * random emails would pile up until the process runs out of memory. This one honours `ttl`
 * (seconds, per write or as a driver default), sweeps expired entries and caps the entries
 * (expired first, then the oldest write), on the same TtlMap as the in-memory CODE store.
 */
import { defineDriver } from 'unstorage'
import { TtlMap } from './ttl-map'

export interface AegisMemoryDriverOptions {
  /** Most entries kept; over it the oldest write goes. `0`: no cap. @default 100000 */
  maxEntries?: number
  /** Default TTL in seconds for writes that give none; `0`: no expiry. @default 0 */
  ttl?: number
  /** How often all expired entries are swept, in ms; `0`: only on writes and at the cap. @default 60000 */
  sweepIntervalMs?: number
}

export const DEFAULT_MAX_ENTRIES = 100_000

export default defineDriver((options: AegisMemoryDriverOptions = {}) => {
  const max = Number(options.maxEntries ?? DEFAULT_MAX_ENTRIES)
  const map = new TtlMap<unknown>(max > 0 ? max : Number.POSITIVE_INFINITY, Date.now, { mixedTtls: true })
  const sweepInterval = Number(options.sweepIntervalMs ?? 60_000)
  if (sweepInterval > 0) map.sweepEvery(sweepInterval)
  const ttlMs = (ttl: unknown) => {
    const seconds = Number(ttl ?? options.ttl ?? 0)
    return seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY
  }
  const set = (key: string, value: unknown, ttl: unknown) => map.set(key, value, ttlMs(ttl))
  return {
    name: 'aegis-memory',
    options,
    getInstance: () => map,
    hasItem: key => map.has(key),
    getItem: key => map.get(key) ?? null,
    getItemRaw: key => map.get(key) ?? null,
    setItem: (key, value, opts) => set(key, value, opts?.ttl),
    setItemRaw: (key, value, opts) => set(key, value, opts?.ttl),
    removeItem: key => map.delete(key),
    getKeys: () => map.keys(),
    clear(base) {
      if (!base) return map.clear()
      const prefix = base.endsWith(':') ? base : `${base}:`
      for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key)
    },
    dispose: () => map.clear(),
  }
})
