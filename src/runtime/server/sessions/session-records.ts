import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue, SessionInfo } from '../../types'
import { fingerprint, sha256 } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import type { Locks, WithLockOptions } from '../core/locks'
import { withLock } from '../core/locks'
import { storageCall } from '../core/storage-io'
import type { RecordCodec } from './record-codec'
import { createLocalCompareAndSet, storedText } from '../core/compare-and-set'
import type { CompareAndSet } from '../core/compare-and-set'

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
  /**
   * How the login was made (RFC 8176 `amr`), set only by the module's own flows. Kept apart from
   * `claims`, which an app's claims function (or an older version) may have filled: only this
   * field ever becomes the token's `amr`.
   */
  amr?: string[]
  createdAt: number
  /** Absolute end of the session: refresh never extends it. */
  expiresAt: number
  /** The family's first token: revocation walks the chain from here to clean up. */
  rootId: string
  /**
   * Issued under the `__Host-` cookie name: its tokens are refused under the unprefixed name,
   * which any subdomain can set. Absent on families from before the prefix (and without it).
   */
  hostCookie?: true
  /** A coarse device/browser label from the User-Agent of the login, then of the last refresh (never the header itself). */
  device?: string
  /** When a refresh last rotated a token of the family (ms); absent until the first one, and on families from before it. */
  refreshedAt?: number
  /**
   * The generation of the claims, set when they were last changed on a live session
   * (`updateSessionClaims`, `refresh({ updateClaims })`; increasing, about the time in seconds): tokens
   * carry it as `cgen`, and the session's tokens of an older generation are refused.
   */
  claimsAt?: number
  /** Set by `updateSessionClaims`: refreshes keep these claims instead of running the claims function again. */
  claimsPinned?: true
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
  /** How the login was made (`amr`); absent for sessions without one. */
  amr?: string[]
  /** See FamilyRecord.claimsAt: the claims generation its access tokens carry (`cgen`). */
  claimsAt?: number
  /** See FamilyRecord.claimsPinned. */
  claimsPinned?: boolean
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

/** What `listUserSessions` shows of a session (public type): never a token. */
export type { SessionInfo }

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
  /** The atomic write of a rotation (default: in-process, for one instance). */
  compareAndSet?: CompareAndSet
  now: () => number
}

/**
 * An older version of an index record that did not open when the record was last written (an
 * encryption key this instance lacks), kept as stored until `until` (ms).
 */
export interface Unread { raw: unknown, until: number }
/** Versions carried at most (each key change without the old key adds one). */
const MAX_UNREAD = 8

export const LOCK_MS = 5000
export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A storage call of the session store: a driver failure is a 503 that keeps the session and the cookie. */
export const io = <T>(what: string, fn: () => Promise<T>): Promise<T> => storageCall(`session storage ${what}`, fn)

export type RecordStore = ReturnType<typeof createRecordStore>

export function createRecordStore({ storage, prefix, codec, locks, compareAndSet = createLocalCompareAndSet(storage), now }: RecordStoreOptions) {
  const keys = {
    token: (id: string) => `${prefix}${id}`,
    family: (id: string) => `${prefix}family:${id}`,
    /** Provider tokens of a session, by its `sid` (see provider-tokens.ts). */
    providerTokens: (sid: string) => `${prefix}provider:${sid}`,
    /** Per sub: the providers it logged in with, and the families indexed by sub alone before identities. */
    user: (sub: string) => `${prefix}user:${sha256(sub)}`,
    /** Per login identity (provider, sub): its families. */
    identity: (provider: string, sub: string) => `${prefix}identity:${sha256(JSON.stringify([provider, sub]))}`,
    expiry: (day: string) => `${prefix}expiry:${day}`,
    sweep: () => `${prefix}sweep`,
  }

  /**
   * A stored record; `stale` when it was encrypted with a former key; `version` is its stored text,
   * what `swap` compares against.
   */
  async function readRaw<T extends { v: number }>(key: string): Promise<{ record?: T, stale: boolean, version: string | null }> {
    const raw = await io('read', () => storage.getItem(key))
    const version = storedText(raw)
    const record = codec.decode<T>(key, raw)
    if (record === 'unreadable') {
      log.error(`session record ${fingerprint(key)} cannot be read: wrong encryption key, tampered or unencrypted; treated as no session`)
      return { stale: false, version }
    }
    return { record: record?.v === 2 ? record : undefined, stale: record !== undefined && !codec.isCurrent(raw), version }
  }

  /**
   * A record that collects ids (a user index, a sweep bucket) with the older versions it carries
   * in `unread`: those that open now come back as records too, the others as stored. A version
   * that does not open is new to carry for `keepMs`.
   */
  async function readCollected<T extends { v: number, unread?: Unread[] }>(key: string, keepMs: number): Promise<{ records: T[], unread: Unread[] }> {
    const found: T[] = []
    const unread: Unread[] = []
    const open = (raw: unknown, until: number, depth: number): void => {
      const record = codec.decode<T>(key, raw)
      if (record === 'unreadable') {
        unread.push({ raw, until })
        return
      }
      if (record?.v !== 2) return
      found.push(record)
      if (depth >= MAX_UNREAD || !Array.isArray(record.unread)) return
      for (const inner of record.unread) {
        if (typeof inner?.until === 'number' && inner.until > now()) open(inner.raw, inner.until, depth + 1)
      }
    }
    open(await io('read', () => storage.getItem(key)), now() + keepMs, 0)
    if (unread.length) log.warn(`session index ${fingerprint(key)}: ${unread.length} older version(s) do not open with the current encryption keys; kept as stored`)
    return { records: found, unread: unread.slice(0, MAX_UNREAD) }
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
    readCollected,
    write,
    /** Writes a record only if it is still at `version` (see readRaw): false when another write came first. */
    swap: (key: string, version: string, record: object, until: number) =>
      io('write', () => compareAndSet(key, version, codec.encode(key, record), (until - now()) / 1000)),
    remove: (key: string) => io('remove', () => storage.removeItem(key)),
    withLock: <T>(name: string, fn: () => Promise<T>, options?: WithLockOptions) => withLock(locks, name, fn, options),
    locks,
    now,
  }
}
