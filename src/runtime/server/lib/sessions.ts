import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue } from '../../types'
import { fingerprint, randomToken, safeEqual, sha256 } from './crypto'
import { AegisError, log } from './errors'

/**
 * A stored refresh-token record. Only the SHA-256 hash of the token's secret is kept;
 * the token itself is `<id>.<secret>` so a record is found by id and then the secret is
 * compared in constant time.
 */
export interface SessionRecord {
  v: 1
  id: string
  /** Every token of one login shares a family; the seam for reuse detection and revocation. */
  familyId: string
  hash: string
  user: AegisUser
  /** Custom claims resolved at login, reused when no claims function is registered. */
  claims: Record<string, ClaimValue>
  /** When the family (the login) started. */
  createdAt: number
  issuedAt: number
  expiresAt: number
  rotatedAt?: number
  successorId?: string
}

export interface IssuedSession {
  token: string
  record: SessionRecord
}

export interface SessionStore {
  create: (input: { user: AegisUser, claims: Record<string, ClaimValue> }) => Promise<IssuedSession>
  /** Validates a refresh token and returns its successor (or itself when rotation is off). */
  rotate: (token: string, claimsFor?: (record: SessionRecord) => Promise<Record<string, ClaimValue>>) => Promise<IssuedSession>
  /** Reads a live (valid, not rotated) record without changing anything. */
  get: (token: string) => Promise<SessionRecord | undefined>
  revoke: (token: string) => Promise<SessionRecord | undefined>
  revokeById: (id: string) => Promise<void>
}

export interface SessionStoreOptions {
  storage: Storage
  prefix: string
  /** Lifetime of a refresh token in seconds (the cookie's maxAge). */
  maxAge: number
  rotation: boolean
  now?: () => number
}

const TOKEN_PATTERN = /^([\w-]{22})\.([\w-]{43})$/

/** Runs a storage call; a driver failure becomes a 503 that keeps the session and the cookie. */
async function io<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  }
  catch (error) {
    // Never the driver's message: it can contain the storage key, i.e. the token's id.
    const code = (error as { code?: unknown } | null)?.code
    log.error(`session storage ${what} failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'})`)
    throw new AegisError(503, 'storage_unavailable')
  }
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { storage, prefix, maxAge, rotation } = options
  const now = options.now ?? Date.now
  const key = (id: string) => `${prefix}${id}`

  async function write(record: SessionRecord): Promise<void> {
    const ttl = Math.max(1, Math.ceil((record.expiresAt - now()) / 1000))
    await io('write', () => storage.setItem(key(record.id), record, { ttl }))
  }

  async function mint(base: Pick<SessionRecord, 'familyId' | 'user' | 'claims' | 'createdAt'>): Promise<IssuedSession> {
    const id = randomToken(16)
    const secret = randomToken(32)
    const issuedAt = now()
    const record: SessionRecord = { v: 1, id, hash: sha256(secret), issuedAt, expiresAt: issuedAt + maxAge * 1000, ...base }
    await write(record)
    return { token: `${id}.${secret}`, record }
  }

  /** The live record a token points to, or undefined for unknown, wrong, expired or rotated tokens. */
  async function lookup(token: string): Promise<SessionRecord | undefined> {
    const match = TOKEN_PATTERN.exec(token)
    if (!match) return undefined
    const record = await io('read', () => storage.getItem<SessionRecord>(key(match[1]!)))
    if (!record || record.v !== 1 || typeof record.hash !== 'string') return undefined
    if (!safeEqual(record.hash, sha256(match[2]!))) return undefined
    if (record.expiresAt <= now()) {
      await io('remove', () => storage.removeItem(key(record.id)))
      return undefined
    }
    return record
  }

  const rotating = new Map<string, Promise<void>>()

  async function rotateNow(token: string, claimsFor?: (record: SessionRecord) => Promise<Record<string, ClaimValue>>): Promise<IssuedSession> {
    const record = await lookup(token)
    if (!record) throw new AegisError(401, 'invalid_refresh_token', 'unknown, expired or mismatched refresh token')
    if (record.rotatedAt) {
      // A rotated token came back: most often a second tab racing the first, whose browser
      // already holds the successor. 409 tells the client to retry with the cookie it has now;
      // reuse detection and family revocation (issue 4) build on this seam.
      throw new AegisError(409, 'refresh_conflict', `rotated refresh token presented again (family ${fingerprint(record.familyId)})`)
    }
    const claims = claimsFor ? await claimsFor(record) : record.claims
    if (!rotation) {
      const renewed = { ...record, claims, expiresAt: now() + maxAge * 1000 }
      await write(renewed)
      return { token, record: renewed }
    }
    // Successor first, then retire the parent: a failure in between leaves a usable session.
    const next = await mint({ familyId: record.familyId, user: record.user, claims, createdAt: record.createdAt })
    await write({ ...record, rotatedAt: now(), successorId: next.record.id })
    return next
  }

  return {
    async create({ user, claims }) {
      return mint({ familyId: randomToken(16), user, claims, createdAt: now() })
    },

    rotate(token, claimsFor) {
      // One rotation per token at a time in this process: a parallel second request waits, then
      // finds the token rotated (409), so a family never gets two live successors here.
      // Across instances this needs the atomic storage path of issue 4.
      const id = TOKEN_PATTERN.exec(token)?.[1] ?? token
      const run = (rotating.get(id) ?? Promise.resolve()).then(() => rotateNow(token, claimsFor))
      const settled = run.then(() => {}, () => {})
      rotating.set(id, settled)
      void settled.then(() => {
        if (rotating.get(id) === settled) rotating.delete(id)
      })
      return run
    },

    async get(token) {
      // A rotated token is no longer a live session, even for read-only checks.
      const record = await lookup(token)
      return record && !record.rotatedAt ? record : undefined
    },

    async revoke(token) {
      const record = await lookup(token)
      if (!record) return undefined
      // Logging out with an older cookie also ends the tokens that replaced it.
      let id: string | undefined = record.id
      let next: SessionRecord | null = record
      for (let hops = 0; id && hops < 100; hops++) {
        const current: string = id
        await io('remove', () => storage.removeItem(key(current)))
        id = next?.successorId
        next = id ? await io('read', () => storage.getItem<SessionRecord>(key(id!))) : null
      }
      return record
    },

    async revokeById(id) {
      await io('remove', () => storage.removeItem(key(id)))
    },
  }
}
