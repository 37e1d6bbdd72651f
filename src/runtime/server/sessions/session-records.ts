import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue } from '../../types'
import { fingerprint, sha256 } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import type { Locks, WithLockOptions } from '../core/locks'
import { withLock } from '../core/locks'
import { storageCall } from '../core/storage-io'
import type { RecordCodec } from './record-codec'

/**
 * What the session store keeps, and how it reads and writes it: every call through `io`
 * (a driver failure is a 503 that keeps the session), every value through the codec
 * (encryption at rest), every multi-step update under a named lock.
 */
export interface FamilyRecord {
  v: 2
  familyId: string
  user: AegisUser
  /** Custom claims resolved at login, reused when no claims function is registered. */
  claims: Record<string, ClaimValue>
  createdAt: number
  /** Absolute end of the session: refresh never extends it. */
  expiresAt: number
  /** The family's first token: revocation walks the chain from here to clean up. */
  rootId: string
}

export interface TokenRecord {
  v: 2
  id: string
  familyId: string
  hash: string
  issuedAt: number
  /** Idle end of this token, never after the family's end. */
  expiresAt: number
  rotatedAt?: number
  successorId?: string
  /** The successor token, sealed with a key derived from this token's secret. */
  successor?: string
}

/** A live session as callers see it. */
export interface Session {
  familyId: string
  user: AegisUser
  claims: Record<string, ClaimValue>
  createdAt: number
  /** Absolute end (ms). */
  expiresAt: number
}

export interface IssuedSession {
  token: string
  session: Session
  /** Seconds the refresh cookie should live: the token's idle end, capped by the family's end. */
  maxAge: number
}

/** What `listUserSessions` shows of a session: never a token. */
export interface SessionInfo {
  /** A fingerprint of the family id, stable for the session's life. */
  id: string
  provider: string
  createdAt: number
  expiresAt: number
}

/** A replayed rotated token: the family was revoked. Carries what the reuse hook reports. */
export class TokenReuseError extends AegisError {
  constructor(readonly session: Session, readonly tokenId: string) {
    super(401, 'token_reused', `rotated refresh token ${fingerprint(tokenId)} replayed: family ${fingerprint(session.familyId)} revoked`)
  }
}

export interface RecordStoreOptions {
  storage: Storage
  prefix: string
  codec: RecordCodec
  locks: Locks
  now: () => number
}

export const LOCK_MS = 5000
export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A storage call of the session store: a driver failure is a 503 that keeps the session and the cookie. */
export const io = <T>(what: string, fn: () => Promise<T>): Promise<T> => storageCall(`session storage ${what}`, fn)

export type RecordStore = ReturnType<typeof createRecordStore>

export function createRecordStore({ storage, prefix, codec, locks, now }: RecordStoreOptions) {
  const keys = {
    token: (id: string) => `${prefix}${id}`,
    family: (id: string) => `${prefix}family:${id}`,
    /** Provider tokens of a session, by its `sid` (see provider-tokens.ts). */
    providerTokens: (sid: string) => `${prefix}provider:${sid}`,
    user: (sub: string) => `${prefix}user:${sha256(sub)}`,
    expiry: (day: string) => `${prefix}expiry:${day}`,
    sweep: () => `${prefix}sweep`,
  }

  /** A stored record; `stale` when it was encrypted with a former key. */
  async function readRaw<T extends { v: number }>(key: string): Promise<{ record?: T, stale: boolean }> {
    const raw = await io('read', () => storage.getItem(key))
    const record = codec.decode<T>(key, raw)
    if (record === 'unreadable') {
      log.error(`session record ${fingerprint(key)} cannot be read: wrong encryption key, tampered or unencrypted; treated as no session`)
      return { stale: false }
    }
    return { record: record?.v === 2 ? record : undefined, stale: record !== undefined && !codec.isCurrent(raw) }
  }

  /** Writes a record that storage may drop after `until` (ms). */
  async function write(key: string, record: object, until: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil((until - now()) / 1000))
    await io('write', () => storage.setItem(key, codec.encode(key, record) as string, { ttl }))
  }

  return {
    keys,
    readRaw,
    read: async <T extends { v: number }>(key: string): Promise<T | undefined> => (await readRaw<T>(key)).record,
    write,
    remove: (key: string) => io('remove', () => storage.removeItem(key)),
    withLock: <T>(name: string, fn: () => Promise<T>, options?: WithLockOptions) => withLock(locks, name, fn, options),
    locks,
    now,
  }
}
