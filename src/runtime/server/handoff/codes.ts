import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue } from '../../types'
import { randomToken, safeEqual, sha256 } from '../core/crypto'
import { storageCall } from '../core/storage-io'
import { TtlMap } from '../core/ttl-map'
import type { Locks } from '../core/locks'

/** What a CODE stands for: the logged-in user, resolved claims and where to go next. */
export interface CodePayload {
  user: AegisUser
  claims: Record<string, ClaimValue>
  /** How the login was made (`amr`), apart from the claims (see `FamilyRecord.amr`). */
  amr?: string[]
  redirectTo?: string
  /** SHA-256 of the browser binding held in the handoff cookie: a CODE only works in the browser that logged in. */
  binding: string
  /** Provider tokens to keep with the session, sealed under a key derived from the binding. */
  providerTokens?: string
}

export type TakeResult
  = | { status: 'ok', payload: CodePayload }
  /**
   * Already redeemed. `issued` names the session it produced, so that a replay can revoke it,
   * and is only given to a replay that carries the CODE's binding: a CODE leaked without its
   * cookie must not let anyone end the victim's session.
   */
    | { status: 'used', issued?: string }
  /** Unknown, expired, or presented with the wrong binding (then it stays redeemable). */
    | { status: 'invalid' }

/** What is kept of a spent CODE: the hash of its binding and, once known, the session it started. */
interface UsedMarker { binding?: string, issued?: string }

/**
 * The single-use CODE store: `issue` a CODE, `take` it once (only with its binding), remember
 * what it `issued`. `binding` is always the SHA-256 of the handoff cookie (`CodePayload.binding`).
 */
export interface CodeStore {
  issue: (payload: CodePayload) => Promise<string>
  /**
   * Spends the CODE only when `binding` is its own: a request without the browser's cookie
   * cannot burn someone else's login.
   */
  take: (code: string, binding: string) => Promise<TakeResult>
  /** Records the session family a CODE started, so that a replay (with `binding`) can revoke it. */
  markIssued: (code: string, familyId: string, binding: string) => Promise<void>
  /** Puts a taken CODE back (its redemption failed for a reason that was not the CODE's fault). */
  restore: (code: string, payload: CodePayload) => Promise<void>
}

/** 256 random bits, base64url: the only shape a CODE can have. */
export const CODE_PATTERN = /^[\w-]{43}$/

function usedResult(marker: UsedMarker, binding: string): TakeResult {
  const bound = typeof marker.binding === 'string' && safeEqual(marker.binding, binding)
  return { status: 'used', ...(bound && marker.issued ? { issued: marker.issued } : {}) }
}

function bindingMatches(payload: CodePayload, binding: string): boolean {
  return typeof payload.binding === 'string' && safeEqual(payload.binding, binding)
}

export interface MemoryCodeStoreOptions {
  ttlSeconds: number
  maxEntries?: number
  now?: () => number
  /** How often expired CODEs are swept when no CODE is issued (default: the TTL, 1 to 60 s; 0: never). */
  sweepIntervalMs?: number
}

/**
 * CODEs in process memory (one instance). Keys are SHA-256 hashes of the CODE; `take`
 * (binding check included) is one synchronous step, so of two parallel redemptions exactly one wins.
 */
export function createMemoryCodeStore(options: MemoryCodeStoreOptions): CodeStore {
  const ttl = options.ttlSeconds * 1000
  const max = options.maxEntries ?? 10_000
  const live = new TtlMap<CodePayload>(max, options.now)
  const used = new TtlMap<UsedMarker>(max, options.now)
  // Writes sweep only a few entries each: without a timer, a burst of logins would stay in memory until the next burst.
  const sweepInterval = options.sweepIntervalMs ?? Math.min(Math.max(ttl, 1000), 60_000)
  if (sweepInterval > 0) {
    live.sweepEvery(sweepInterval)
    used.sweepEvery(sweepInterval)
  }
  return {
    async issue(payload) {
      const code = randomToken(32)
      live.set(sha256(code), payload, ttl)
      return code
    },
    async take(code, binding) {
      const key = sha256(code)
      const pending = live.get(key)
      if (pending) {
        if (!bindingMatches(pending, binding)) return { status: 'invalid' }
        live.delete(key)
        used.set(key, { binding: pending.binding }, ttl)
        return { status: 'ok', payload: pending }
      }
      const tombstone = used.get(key)
      return tombstone ? usedResult(tombstone, binding) : { status: 'invalid' }
    },
    async markIssued(code, familyId, binding) {
      used.set(sha256(code), { binding, issued: familyId }, ttl)
    },
    async restore(code, payload) {
      const key = sha256(code)
      used.delete(key)
      live.set(key, payload, ttl)
    },
  }
}

/**
 * CODEs in a shared unstorage mount (several instances). Taking a CODE first takes a lock
 * named after it (Redis `SET NX` when the mount is Redis), so of two instances redeeming the
 * same CODE at once exactly one gets it. The binding is checked before the lock: a request
 * with the wrong one never holds it, so it cannot make the right browser's request lose the race.
 */
export function createStorageCodeStore(storage: Storage, options: { ttlSeconds: number, locks: Locks, now?: () => number, maxEntries?: number }): CodeStore {
  const { ttlSeconds: ttl, locks } = options
  const now = options.now ?? Date.now
  const liveKey = (code: string) => `code:${sha256(code)}`
  const usedKey = (code: string) => `used:${sha256(code)}`
  const lockName = (code: string) => `code:${sha256(code)}`
  // Leases of CODEs this process took, so a failed redemption can give its CODE back.
  const leases = new TtlMap<string>(options.maxEntries ?? 10_000, now)
  const store: CodeStore = {
    async issue(payload) {
      const code = randomToken(32)
      await storage.setItem(liveKey(code), { payload, expiresAt: now() + ttl * 1000 }, { ttl })
      return code
    },
    async take(code, binding) {
      type Live = { payload: CodePayload, expiresAt: number }
      // The payload of a CODE never changes, so a check before the lock holds after it too.
      const pending = await storage.getItem<Live>(liveKey(code))
      if (pending && !bindingMatches(pending.payload, binding)) return { status: 'invalid' }
      const lease = pending ? await locks.acquire(lockName(code), ttl * 1000) : undefined
      if (lease) {
        let record: Live | null
        try {
          record = await storage.getItem<Live>(liveKey(code))
        }
        catch (error) {
          // Nothing was changed yet: free the CODE so a retry can take it.
          await locks.release(lockName(code), lease).catch(() => {})
          throw error
        }
        if (record) {
          // From here on the lock stays taken (the CODE is spent), even if a step below fails.
          await storage.setItem(usedKey(code), { at: now(), binding: record.payload.binding }, { ttl })
          await storage.removeItem(liveKey(code))
          if (record.expiresAt > now()) {
            // `restore` in this request may give the CODE back.
            leases.set(lockName(code), lease, ttl * 1000)
            return { status: 'ok', payload: record.payload }
          }
          return { status: 'invalid' }
        }
        await locks.release(lockName(code), lease)
      }
      const tombstone = await storage.getItem<UsedMarker>(usedKey(code))
      return tombstone ? usedResult(tombstone, binding) : { status: 'invalid' }
    },
    async markIssued(code, familyId, binding) {
      await storage.setItem(usedKey(code), { at: now(), binding, issued: familyId }, { ttl })
    },
    async restore(code, payload) {
      await storage.removeItem(usedKey(code))
      await storage.setItem(liveKey(code), { payload, expiresAt: now() + ttl * 1000 }, { ttl })
      const lease = leases.take(lockName(code))
      if (lease) await locks.release(lockName(code), lease)
    },
  }
  // A failing driver is a 503 `storage_unavailable` (retry), never a 500 with the driver's message.
  return {
    issue: payload => storageCall('CODE issue', () => store.issue(payload)),
    take: (code, binding) => storageCall('CODE take', () => store.take(code, binding)),
    markIssued: (code, familyId, binding) => storageCall('CODE update', () => store.markIssued(code, familyId, binding)),
    restore: (code, payload) => storageCall('CODE restore', () => store.restore(code, payload)),
  }
}
