import { IN_FLIGHT_MARGIN_S } from '../sessions/sessions'
import type { Storage } from 'unstorage'
import type { AegisClaims } from '../../types'
import { log } from '../core/errors'
import type { Locks } from '../core/locks'
import { ENDED, createRevocationList, impersonationKey, refusesToken } from './list'
import type { OnStale, RevocationEntry, RevocationList } from './list'
import { createRevocationStore } from './store'
import type { RevocationCursor, RevocationStore } from './store'
import { subscribeRevocations } from './redis-feed'
import type { RedisFeed } from './redis-feed'

/**
 * Revocation of access tokens on this instance: the list in memory (checked on every bearer
 * request, synchronously), the store in the session storage (shared by every instance), and
 * on Redis a pub/sub channel that brings entries recorded elsewhere at once. The poll of the
 * store runs on every driver, so a lost message is picked up within `refreshMs`.
 */
export interface RevocationService {
  readonly enabled: boolean
  list: RevocationList
  /**
   * Refuses the access tokens of session `sid`: every one (the session ended; the default), or
   * those of claims generations below `before` (its claims changed): here at once, on other
   * instances within `refreshMs` (at once on Redis).
   */
  revoke: (sid: string, before?: number) => Promise<RevocationEntry>
  /** Refuses one impersonation token (by its `jti`) from now on; the actor's session goes on. */
  revokeImpersonation: (jti: string) => Promise<RevocationEntry>
  /** True while a stale list refuses every token (`onStale: 'refuse'`). */
  readonly refusingAll: boolean
  /** True when the token's session was revoked after it was issued. Synchronous. */
  refuses: (claims: AegisClaims) => boolean
  /** Until the first load has finished: a promise to wait for (a fresh instance knows nothing yet). */
  ready: () => Promise<void> | undefined
  /** Starts the background refresh (and the Redis subscription). */
  start: () => Promise<void>
  stop: () => Promise<void>
}

export interface RevocationServiceOptions {
  enabled: boolean
  storage: Storage
  prefix: string
  locks: Locks
  /** Seconds an access token can be accepted at most (lifetime plus clock tolerance). */
  lifetime: number
  refreshMs: number
  staleAfterMs: number
  onStale: OnStale
  /** The mount's driver, looked at on start (a Nitro plugin may replace the mount). */
  driver: () => { name?: string, options?: { base?: string }, getInstance?: () => unknown }
  sweep?: () => boolean
  now?: () => number
}

export function createRevocationService(options: RevocationServiceOptions): RevocationService {
  const now = options.now ?? Date.now
  const store: RevocationStore = createRevocationStore({
    storage: options.storage, prefix: options.prefix, locks: options.locks, lifetime: options.lifetime, sweep: options.sweep, now,
  })
  const list = createRevocationList<RevocationCursor>({
    load: cursor => store.since(cursor),
    refreshMs: options.refreshMs,
    staleAfterMs: options.staleAfterMs,
    onStale: options.onStale,
    log,
    now,
  })
  let feed: RedisFeed | undefined
  let first: Promise<void> | undefined
  let loaded = !options.enabled

  const service: RevocationService = {
    enabled: options.enabled,
    list,
    async revoke(sid, before = ENDED) {
      // A token signed by a refresh already under way when the session ended can be a few seconds
      // younger than now: the entry outlives it by a margin.
      const local: RevocationEntry = { sid, before, until: Math.ceil(now() / 1000) + options.lifetime + IN_FLIGHT_MARGIN_S, v: 0 }
      // This instance refuses the tokens at once, whatever the storage does next.
      list.merge([local])
      if (!options.enabled) return local
      const entry = await store.add(sid, local.until, before)
      list.merge([entry])
      await feed?.publish(entry)
      return entry
    },
    revokeImpersonation: jti => service.revoke(impersonationKey(jti)),
    get refusingAll() {
      return list.stale && options.onStale === 'refuse'
    },
    refuses: claims => refusesToken(list, claims),
    // Also before the plugin's start ran (a request in the first turn of the event loop).
    ready: () => (loaded ? undefined : (first ?? service.start())),
    async start() {
      if (!options.enabled || first) return first
      const driver = options.driver()
      if (driver.name === 'redis' && typeof driver.getInstance === 'function') {
        const base = (driver.options?.base ?? '').replace(/:$/, '')
        feed = subscribeRevocations(driver.getInstance() as never, `${base ? `${base}:` : ''}${options.prefix}revocations`, entries => list.merge(entries))
      }
      first = list.start().finally(() => {
        loaded = true
      })
      return first
    },
    async stop() {
      list.stop()
      await feed?.close()
    },
  }
  return service
}
