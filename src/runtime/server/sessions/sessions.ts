import type { Storage } from 'unstorage'
import type { AegisUser, ClaimValue } from '../../types'
import { deriveKey, fingerprint, randomToken, safeEqual, seal, sha256, unseal } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import type { Locks } from '../core/locks'
import { createMemoryLocks } from '../core/locks'
import type { RecordCodec } from './record-codec'
import { plainCodec } from './record-codec'
import { createRecordStore, io, LOCK_MS, sleep, TokenReuseError } from './session-records'
import type { FamilyRecord, IssuedSession, Session, SessionInfo, TokenRecord } from './session-records'
import { createSessionIndexes } from './session-index'
import { createProviderTokenStore } from './provider-tokens'
import type { ProviderTokenSet, ProviderTokenStore } from './provider-tokens'

export { TokenReuseError }
export type { FamilyRecord, IssuedSession, Session, SessionInfo, TokenRecord }

/**
 * Refresh-token sessions. A login starts a family; every refresh rotates its token. Storage
 * holds, per family, one record with the user and the absolute end, and per token one record
 * with only the SHA-256 of its secret. A token is `<id>.<secret>`: found by id, secret compared
 * in constant time. A rotated token keeps its successor sealed under a key derived from its own
 * secret, so a parallel request with the same cookie can be given the same successor, and
 * nothing in storage can be turned back into a usable token.
 */
export type ClaimsFor = (session: Session) => Promise<Record<string, ClaimValue>>

export interface SessionStore {
  /** Starts a session; `providerTokens` are kept with it until it ends (`keepTokens`). */
  create: (input: { user: AegisUser, claims: Record<string, ClaimValue>, providerTokens?: ProviderTokenSet }) => Promise<IssuedSession>
  /** Validates a refresh token and returns its successor (the same token renewed when rotation is off). */
  rotate: (token: string, claimsFor?: ClaimsFor) => Promise<IssuedSession>
  /** A live session for a token, without changing anything. */
  get: (token: string) => Promise<Session | undefined>
  /** Ends the token's whole family; returns the session it ended. */
  revoke: (token: string) => Promise<Session | undefined>
  revokeFamily: (familyId: string) => Promise<void>
  /** Ends every session of a user (optionally of one provider), except `exceptFamilyId`. */
  revokeUser: (sub: string, options?: { exceptFamilyId?: string, provider?: string }) => Promise<number>
  listUser: (sub: string) => Promise<SessionInfo[]>
  /** Removes families that ended before today (drivers without TTL); returns how many. */
  sweep: () => Promise<number>
  /** Provider tokens kept with sessions: ended with them. */
  providerTokens: ProviderTokenStore
}

export interface SessionStoreOptions {
  storage: Storage
  prefix: string
  /** Seconds a token stays valid without use (the cookie's maxAge). */
  idleTimeout: number
  /** Seconds a login lasts at most, however often it is refreshed. */
  absoluteTimeout: number
  rotation: boolean
  /** Seconds during which the immediate predecessor of the live token gets the same successor. */
  reuseInterval: number
  locks?: Locks
  codec?: RecordCodec
  /** File families by the day they end and sweep them: for drivers that ignore TTLs (fs, memory). */
  sweep?: boolean | (() => boolean)
  now?: () => number
}

const TOKEN_PATTERN = /^([\w-]{22})\.([\w-]{43})$/
const WAIT_STEP_MS = 20
const MAX_CHAIN = 10_000

const invalid = (why: string) => new AegisError(401, 'invalid_refresh_token', why)

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { storage, prefix, rotation } = options
  const now = options.now ?? Date.now
  const records = createRecordStore({
    storage, prefix, now, codec: options.codec ?? plainCodec, locks: options.locks ?? createMemoryLocks(now),
  })
  const { keys, read, readRaw, write, remove, locks } = records
  const indexes = createSessionIndexes(records, { sweep: options.sweep ?? false, revokeFamily: id => revokeFamily(id) })
  const providerTokens = createProviderTokenStore(records)
  const successorKey = (secret: string) => deriveKey(secret, 'refresh-successor')

  const view = (family: FamilyRecord): Session => ({
    familyId: family.familyId, user: family.user, claims: family.claims, createdAt: family.createdAt, expiresAt: family.expiresAt,
  })

  async function mint(family: FamilyRecord, id = randomToken(16)): Promise<{ token: string, record: TokenRecord }> {
    const secret = randomToken(32)
    const issuedAt = now()
    const record: TokenRecord = {
      v: 2, id, familyId: family.familyId, hash: sha256(secret), issuedAt,
      expiresAt: Math.min(issuedAt + options.idleTimeout * 1000, family.expiresAt),
    }
    await write(keys.token(id), record, record.expiresAt)
    return { token: `${id}.${secret}`, record }
  }

  const issued = (token: string, record: TokenRecord, family: FamilyRecord): IssuedSession =>
    ({ token, session: view(family), maxAge: Math.max(1, Math.ceil((record.expiresAt - now()) / 1000)) })

  async function revokeFamily(familyId: string): Promise<void> {
    const family = await read<FamilyRecord>(keys.family(familyId))
    // Removing the family record is the revocation: every token of it is refused from now on.
    await remove(keys.family(familyId))
    await providerTokens.remove(familyId)
    if (!family) return
    await indexes.setUserFamily(family.user.sub, familyId, 0)
    // Clean up the chain of token records (best effort: they are refused already).
    let id: string | undefined = family.rootId
    for (let hops = 0; id && hops < MAX_CHAIN; hops++) {
      const record: TokenRecord | undefined = await read<TokenRecord>(keys.token(id))
      await remove(keys.token(id))
      id = record?.successorId
    }
  }

  /** The token's record and family when the secret matches and the family is live. */
  async function resolve(token: string): Promise<{ record: TokenRecord, family: FamilyRecord, secret: string } | undefined> {
    const match = TOKEN_PATTERN.exec(token)
    if (!match) return undefined
    const [, id, secret] = match as unknown as [string, string, string]
    const record = await read<TokenRecord>(keys.token(id))
    if (!record || typeof record.hash !== 'string' || !safeEqual(record.hash, sha256(secret))) return undefined
    const { record: family, stale } = await readRaw<FamilyRecord>(keys.family(record.familyId))
    if (!family) return undefined
    if (family.expiresAt <= now()) {
      await revokeFamily(family.familyId)
      return undefined
    }
    // After an encryption key change, the family moves to the new key on its next use.
    if (stale) await write(keys.family(family.familyId), family, family.expiresAt)
    return { record, family, secret }
  }

  /** A rotated token came back: the same successor inside the interval, otherwise reuse. */
  async function replayed(record: TokenRecord, family: FamilyRecord, secret: string, racing: boolean, claimsFor?: ClaimsFor): Promise<IssuedSession> {
    const inInterval = racing || now() - record.rotatedAt! < options.reuseInterval * 1000
    const successor = inInterval && record.successorId ? await read<TokenRecord>(keys.token(record.successorId)) : undefined
    if (successor && !successor.rotatedAt && successor.expiresAt > now() && record.successor) {
      const token = unseal(successorKey(secret), record.successor, keys.token(record.id))
      if (token) return issuedWithClaims(token, successor, family, claimsFor)
    }
    await revokeFamily(family.familyId)
    throw new TokenReuseError(view(family), record.id)
  }

  async function issuedWithClaims(token: string, record: TokenRecord, family: FamilyRecord, claimsFor?: ClaimsFor): Promise<IssuedSession> {
    const result = issued(token, record, family)
    if (claimsFor) result.session.claims = await claimsFor(result.session)
    return result
  }

  /** Waits for another holder's rotation of a token to finish; the rotated record, if it did. */
  async function awaitRotation(id: string): Promise<TokenRecord | undefined> {
    for (let waited = 0; waited <= LOCK_MS; waited += WAIT_STEP_MS) {
      await sleep(WAIT_STEP_MS)
      const record = await read<TokenRecord>(keys.token(id))
      if (!record || record.rotatedAt) return record
    }
    return undefined
  }

  async function rotateNow(token: string, claimsFor?: ClaimsFor): Promise<IssuedSession> {
    const found = await resolve(token)
    if (!found) throw invalid('unknown, expired, revoked or mismatched refresh token')
    const { record, family, secret } = found
    if (record.rotatedAt) return replayed(record, family, secret, false, claimsFor)
    if (record.expiresAt <= now()) {
      await revokeFamily(family.familyId)
      throw invalid(`idle timeout of family ${fingerprint(family.familyId)}`)
    }
    if (!rotation) {
      const renewed = { ...record, expiresAt: Math.min(now() + options.idleTimeout * 1000, family.expiresAt) }
      await write(keys.token(record.id), renewed, renewed.expiresAt)
      return issuedWithClaims(token, renewed, family, claimsFor)
    }
    const lease = await io('lock', () => locks.acquire(`rotate:${record.id}`, LOCK_MS))
    if (!lease) {
      // Another instance is rotating this very token right now: its successor is ours too.
      const rotated = await awaitRotation(record.id)
      if (!rotated?.rotatedAt) throw new AegisError(409, 'refresh_conflict', `rotation of family ${fingerprint(family.familyId)} did not finish in time`)
      return replayed(rotated, family, secret, true, claimsFor)
    }
    try {
      // Read again under the lock: another instance may have rotated it since we looked.
      const current = await read<TokenRecord>(keys.token(record.id))
      if (!current) throw invalid('refresh token revoked during rotation')
      if (current.rotatedAt) return await replayed(current, family, secret, true, claimsFor)
      const claims = claimsFor ? await claimsFor(view(family)) : family.claims
      // Successor first, then retire the parent: a failure in between leaves the parent usable.
      const next = await mint(family)
      const retired: TokenRecord = {
        ...record,
        rotatedAt: now(),
        successorId: next.record.id,
        successor: seal(successorKey(secret), next.token, keys.token(record.id)),
      }
      // Kept until the family ends, so a replay of any ancestor is recognized as reuse.
      await write(keys.token(record.id), retired, family.expiresAt)
      const result = issued(next.token, next.record, family)
      result.session.claims = claims
      return result
    }
    finally {
      await locks.release(`rotate:${record.id}`, lease).catch(() => log.warn('rotation lock not released; it expires by itself'))
    }
  }

  // In one process, requests with the same token queue behind each other instead of polling storage.
  const inFlight = new Map<string, Promise<unknown>>()

  return {
    async create({ user, claims, providerTokens: tokens }) {
      const createdAt = now()
      const family: FamilyRecord = {
        v: 2, familyId: randomToken(16), user, claims, createdAt,
        expiresAt: createdAt + options.absoluteTimeout * 1000, rootId: randomToken(16),
      }
      // Index first: a family that exists is always found by revokeUser.
      await indexes.setUserFamily(user.sub, family.familyId, family.expiresAt)
      await write(keys.family(family.familyId), family, family.expiresAt)
      if (tokens) await providerTokens.save(family, tokens)
      const first = await mint(family, family.rootId)
      await indexes.addExpiry(family.familyId, family.expiresAt)
      indexes.sweepSoon()
      return issued(first.token, first.record, family)
    },

    rotate(token, claimsFor) {
      const id = TOKEN_PATTERN.exec(token)?.[1] ?? ''
      const previous = inFlight.get(id)
      const run = previous
        ? previous.then(() => {}, () => {}).then(() => rotateAfterWait(token, claimsFor))
        : rotateNow(token, claimsFor)
      const tracked = run.finally(() => {
        if (inFlight.get(id) === tracked) inFlight.delete(id)
      })
      tracked.catch(() => {})
      inFlight.set(id, tracked)
      return run
    },

    async get(token) {
      const found = await resolve(token)
      if (!found || found.record.rotatedAt || found.record.expiresAt <= now()) return undefined
      return view(found.family)
    },

    async revoke(token) {
      const found = await resolve(token)
      if (!found) return undefined
      await revokeFamily(found.family.familyId)
      return view(found.family)
    },

    revokeFamily,

    async revokeUser(sub, { exceptFamilyId, provider } = {}) {
      let count = 0
      for (const familyId of await indexes.userFamilies(sub)) {
        if (familyId === exceptFamilyId) continue
        if (provider) {
          const family = await read<FamilyRecord>(keys.family(familyId))
          if (family && family.user.provider !== provider) continue
        }
        await revokeFamily(familyId)
        count++
      }
      return count
    },

    async listUser(sub) {
      const sessions: SessionInfo[] = []
      for (const familyId of await indexes.userFamilies(sub)) {
        const family = await read<FamilyRecord>(keys.family(familyId))
        if (!family || family.expiresAt <= now()) continue
        sessions.push({ id: fingerprint(familyId), provider: family.user.provider, createdAt: family.createdAt, expiresAt: family.expiresAt })
      }
      return sessions.sort((a, b) => b.createdAt - a.createdAt)
    },

    sweep: indexes.sweep,
    providerTokens,
  }

  /** A request that queued behind another with the same token saw it live: it is racing, not replaying. */
  async function rotateAfterWait(token: string, claimsFor?: ClaimsFor): Promise<IssuedSession> {
    const found = await resolve(token)
    if (!found) throw invalid('unknown, expired, revoked or mismatched refresh token')
    if (found.record.rotatedAt) return replayed(found.record, found.family, found.secret, true, claimsFor)
    return rotateNow(token, claimsFor)
  }
}
