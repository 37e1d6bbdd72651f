import type { Storage } from 'unstorage'
import { randomToken, sha256 } from '../core/crypto'
import { storageCall } from '../core/storage-io'
import type { Locks } from '../core/locks'

/** What a challenge was issued for. */
export type ChallengePurpose = 'register' | 'login'

export interface ChallengeRecord {
  purpose: ChallengePurpose
  /** For registration: the `sub` of the logged-in user who asked; only they can complete it. */
  userId?: string
  expiresAt: number
}

/** 256 random bits, base64url: the only shape a challenge (or a browser binding) can have. */
export const CHALLENGE_PATTERN = /^[\w-]{43}$/

/**
 * Single-use WebAuthn challenges, kept on the server. A challenge is stored under a hash of
 * the browser's binding (the passkey cookie) and the challenge, so a request from another
 * browser finds nothing (and cannot spend it). `take` is atomic: a lock (Redis `SET NX` on a
 * shared mount) lets one of two parallel verifications have it; the other gets undefined.
 */
export function createChallengeStore(storage: Storage, options: { ttlSeconds: number, locks: Locks, now?: () => number }) {
  const now = options.now ?? Date.now
  const ttl = options.ttlSeconds
  const keyOf = (binding: string, challenge: string) => `passkey:ch:${sha256(`${binding}.${challenge}`)}`
  return {
    /** A new random challenge for `purpose`, bound to the browser `binding` (and to `userId` for registration). */
    issue(binding: string, purpose: ChallengePurpose, userId?: string): Promise<string> {
      const challenge = randomToken(32)
      const record: ChallengeRecord = { purpose, ...(userId === undefined ? {} : { userId }), expiresAt: now() + ttl * 1000 }
      return storageCall('passkey challenge issue', async () => {
        await storage.setItem(keyOf(binding, challenge), record, { ttl })
        return challenge
      })
    },
    /** Removes and returns the challenge's record, once; undefined when unknown, expired, taken or of another browser. */
    take(binding: string, challenge: string): Promise<ChallengeRecord | undefined> {
      if (!CHALLENGE_PATTERN.test(challenge) || !CHALLENGE_PATTERN.test(binding)) return Promise.resolve(undefined)
      const key = keyOf(binding, challenge)
      return storageCall('passkey challenge take', async () => {
        const lease = await options.locks.acquire(key, ttl * 1000)
        if (!lease) return undefined
        try {
          const record = await storage.getItem<ChallengeRecord>(key)
          if (!record) return undefined
          await storage.removeItem(key)
          return record.expiresAt > now() ? record : undefined
        }
        finally {
          await options.locks.release(key, lease).catch(() => {})
        }
      })
    },
  }
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>
