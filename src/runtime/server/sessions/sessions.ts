import { createHmac } from 'node:crypto'
import { deriveKey, fingerprint, safeEqual, seal, sha256, unseal } from '../core/crypto'
import { pooledRandomToken } from '../core/random'
import { AegisError, log } from '../core/errors'
import { createMemoryLocks } from '../core/locks'
import { plainCodec } from './record-codec'
import { createRecordStore, io, LOCK_MS, sleep, TokenReuseError } from './session-records'
import type { FamilyRecord, IssuedSession, Session, SessionInfo, TokenRecord } from './session-records'
import { createSessionIndexes } from './session-index'
import { createSessionList, noteRefresh } from './session-list'
import { createClaimsUpdater } from './session-claims'
import type { ClaimsChange, ClaimsUpdate } from './session-claims'
import { createProviderTokenStore } from './provider-tokens'
import type { ClaimsFor, Presented, SessionStore, SessionStoreOptions } from './session-store-types'

export { TokenReuseError }
export type { ClaimsChange, ClaimsUpdate }
/** The device label of a request, for `create` and `rotate` (used by logins outside this folder). */
export { requestDevice } from './device'
export { IN_FLIGHT_MARGIN_S } from './in-flight'
export type { FamilyRecord, IssuedSession, Session, SessionInfo, TokenRecord }
export type { ClaimsFor, Presented, SessionStore, SessionStoreOptions } from './session-store-types'

/**
 * Refresh-token sessions. A login starts a family; every refresh rotates its token. Storage
 * holds, per family, one record with the user and the absolute end, and per token one record
 * with only the SHA-256 of its secret. A token is `<id>.<secret>`: found by id, secret compared
 * in constant time. A rotated token keeps its successor sealed under a key derived from its own
 * secret, so a parallel request with the same cookie can be given the same successor, and
 * nothing in storage can be turned back into a usable token.
 */

/** A token found live by `resolve`: its record as read (`version`: its stored text) and its family. */
interface Resolved { record: TokenRecord | undefined, version: string | null, family: FamilyRecord, secret: string, familyVersion: string | null }

const TOKEN_PATTERN = /^([\w-]{22})\.([\w-]{43})$/
/** HKDF-Expand info of the key a successor is sealed with (one block: info || 0x01). */
const SUCCESSOR_INFO = Buffer.concat([Buffer.from('nuxt-aegis:refresh-successor'), Buffer.from([1])])
const WAIT_STEP_MS = 20
const MAX_CHAIN = 10_000

const invalid = (why: string) => new AegisError(401, 'invalid_refresh_token', why)

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { storage, prefix, rotation } = options
  const now = options.now ?? Date.now
  const records = createRecordStore({
    storage, prefix, now, codec: options.codec ?? plainCodec, locks: options.locks ?? createMemoryLocks(now), compareAndSet: options.compareAndSet,
  })
  const { keys, read, readRaw, write, swap, remove, locks } = records
  const indexes = createSessionIndexes(records, {
    sweep: options.sweep ?? false, revokeFamily: id => revokeFamily(id, { expired: true }), keepUnreadMs: options.absoluteTimeout * 1000,
  })
  const providerTokens = createProviderTokenStore(records)
  const list = createSessionList(records, indexes)
  // The providers a provider-named call covers: with accounts (perSub) all (the sub is the
  // person), else that provider and those that share its subs (password and email).
  const scope = (provider?: string): string[] | undefined =>
    options.perSub?.() === true || provider === undefined ? undefined : options.samePerson?.(provider) ?? [provider]
  const claimsUpdater = createClaimsUpdater(records, list, family => view(family), options.onClaimsChange)
  // The token's secret is 256 uniformly random bits, so HKDF's extract step adds nothing (RFC 5869
  // §3.3): the key is HKDF-Expand alone, one HMAC (a quarter of hkdfSync's cost on the hot path).
  const successorKey = (secret: string) => createHmac('sha256', secret).update(SUCCESSOR_INFO).digest()
  // Successors sealed before 0.2 (full HKDF) still open within their reuse interval after an upgrade.
  const formerSuccessorKey = (secret: string) => deriveKey(secret, 'refresh-successor')

  const view = (family: FamilyRecord): Session => ({
    familyId: family.familyId, user: family.user, claims: family.claims, createdAt: family.createdAt, expiresAt: family.expiresAt,
    ...(family.amr ? { amr: family.amr } : {}),
    ...(family.claimsAt ? { claimsAt: family.claimsAt } : {}),
    ...(family.claimsPinned ? { claimsPinned: true } : {}),
  })

  async function mint(family: FamilyRecord, id = pooledRandomToken(16)): Promise<{ token: string, record: TokenRecord }> {
    const secret = pooledRandomToken(32)
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

  async function revokeFamily(familyId: string, { expired = false }: { expired?: boolean } = {}): Promise<void> {
    const family = await read<FamilyRecord>(keys.family(familyId))
    // Before the record goes: a storage failure here is a 503 that leaves the session as it was.
    if (family && !expired) await options.onEnd?.(familyId)
    // Removing the family record is the revocation: every token of it is refused from now on.
    await remove(keys.family(familyId))
    await providerTokens.remove(familyId)
    if (!family) return
    await indexes.removeFamily(family.user, familyId)
    // Clean up the chain of token records (best effort: they are refused already).
    let id: string | undefined = family.rootId
    for (let hops = 0; id && hops < MAX_CHAIN; hops++) {
      const record: TokenRecord | undefined = await read<TokenRecord>(keys.token(id))
      await remove(keys.token(id))
      id = record?.successorId
    }
  }

  /** The token's record and family when the secret matches, the family is live and takes the token as presented. */
  async function resolve(token: string, presented: Presented = {}): Promise<{ record: TokenRecord, version: string | null, family: FamilyRecord, secret: string, familyVersion: string | null } | undefined> {
    const match = TOKEN_PATTERN.exec(token)
    if (!match) return undefined
    const [, id, secret] = match as unknown as [string, string, string]
    const { record, version } = await readRaw<TokenRecord>(keys.token(id))
    if (!record || typeof record.hash !== 'string' || !safeEqual(record.hash, sha256(secret))) return undefined
    const { record: family, stale, version: familyVersion } = await readRaw<FamilyRecord>(keys.family(record.familyId))
    if (!family) return undefined
    // Before anything that could change or revoke: a tossed cookie is no cookie (see Presented).
    if (presented.legacyCookie && family.hostCookie) {
      log.warn(`refresh token ${fingerprint(id)} of family ${fingerprint(family.familyId)} came under the unprefixed cookie name but was issued under __Host-: ignored (cookie tossing?)`)
      return undefined
    }
    if (family.expiresAt <= now()) {
      await revokeFamily(family.familyId, { expired: true })
      return undefined
    }
    // After an encryption key change, the family moves to the new key on its next use.
    if (stale) await write(keys.family(family.familyId), family, family.expiresAt)
    return { record, version, family, secret, familyVersion: stale ? null : familyVersion }
  }

  /**
   * What a rotated token that came back is answered with: inside the interval (or racing a
   * rotation) its immediate, still-live successor. None means reuse.
   */
  async function sameSuccessor(record: TokenRecord, secret: string, racing: boolean): Promise<{ token: string, record: TokenRecord } | undefined> {
    const inInterval = racing || now() - record.rotatedAt! < options.reuseInterval * 1000
    const successor = inInterval && record.successorId ? await read<TokenRecord>(keys.token(record.successorId)) : undefined
    if (!successor || successor.rotatedAt || successor.expiresAt <= now() || !record.successor) return undefined
    const token = unseal(successorKey(secret), record.successor, keys.token(record.id)) ?? unseal(formerSuccessorKey(secret), record.successor, keys.token(record.id))
    return token ? { token, record: successor } : undefined
  }

  /** Reuse of a rotated token: the whole family ends. */
  async function reused(record: TokenRecord, family: FamilyRecord): Promise<never> {
    await revokeFamily(family.familyId)
    throw new TokenReuseError(view(family), record.id)
  }

  /** A rotated token came back: the same successor inside the interval, otherwise reuse. */
  async function replayed(record: TokenRecord, family: FamilyRecord, secret: string, racing: boolean, claimsFor?: ClaimsFor): Promise<IssuedSession> {
    const same = await sameSuccessor(record, secret, racing)
    if (same) return issuedWithClaims(same.token, same.record, family, claimsFor)
    return reused(record, family)
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

  async function rotateNow(token: string, claimsFor?: ClaimsFor, presented?: Presented): Promise<IssuedSession> {
    const found = await resolve(token, presented)
    if (!found) throw invalid('unknown, expired, revoked or mismatched refresh token')
    const { record, family, secret, familyVersion } = found
    if (record.rotatedAt) return replayed(record, family, secret, false, claimsFor)
    if (record.expiresAt <= now()) {
      await revokeFamily(family.familyId)
      throw invalid(`idle timeout of family ${fingerprint(family.familyId)}`)
    }
    if (!rotation) {
      const renewed = { ...record, expiresAt: Math.min(now() + options.idleTimeout * 1000, family.expiresAt) }
      await write(keys.token(record.id), renewed, renewed.expiresAt)
      await noteRefresh(records, family, familyVersion, presented?.device)
      return issuedWithClaims(token, renewed, family, claimsFor)
    }
    // One process (memory locks): requests with this token already queue behind each other here
    // (`inFlight`), and the compare-and-set below decides between any two that still meet, so
    // the lock and the read under it would add two storage round trips and exclude nothing.
    if (!locks.shared) return retire(found, claimsFor, presented)
    const lease = await io('lock', () => locks.acquire(`rotate:${record.id}`, LOCK_MS))
    if (!lease) {
      // Another instance is rotating this very token right now: its successor is ours too.
      const rotated = await awaitRotation(record.id)
      if (!rotated?.rotatedAt) throw new AegisError(409, 'refresh_conflict', `rotation of family ${fingerprint(family.familyId)} did not finish in time`)
      return replayed(rotated, family, secret, true, claimsFor)
    }
    try {
      // No second read under the lock: if another instance rotated the token since we read it,
      // the compare-and-set over the version we read fails and its successor is answered instead.
      return await retire(found, claimsFor, presented)
    }
    finally {
      // Not waited for: the answer does not depend on it (a lost release expires by itself).
      void locks.release(`rotate:${record.id}`, lease).catch(() => log.warn('rotation lock not released; it expires by itself'))
    }
  }

  /** Mints the successor of the token as read at `version`, then retires the parent over that version. */
  async function retire(found: Resolved, claimsFor?: ClaimsFor, presented?: Presented): Promise<IssuedSession> {
    const { record: current, version, family, secret, familyVersion } = found
    if (!current || version === null) throw invalid('refresh token revoked during rotation')
    if (current.rotatedAt) return await replayed(current, family, secret, true, claimsFor)
    const claims = claimsFor ? await claimsFor(view(family)) : family.claims
    // Successor first, then retire the parent: a failure in between leaves the parent usable.
    const next = await mint(family)
    const retired: TokenRecord = {
      ...current,
      rotatedAt: now(),
      successorId: next.record.id,
      successor: seal(successorKey(secret), next.token, keys.token(current.id)),
    }
    // Kept until the family ends, so a replay of any ancestor is recognized as reuse. Only over
    // the version read above: if the lock ran out meanwhile (slow claims) and another holder
    // retired the parent first, its successor stands and ours is never handed out.
    if (!(await swap(keys.token(current.id), version, retired, family.expiresAt))) {
      await remove(keys.token(next.record.id))
      const winner = await read<TokenRecord>(keys.token(current.id))
      if (!winner?.rotatedAt) throw invalid('refresh token revoked during rotation')
      return await replayed(winner, family, secret, true, claimsFor)
    }
    await noteRefresh(records, family, familyVersion, presented?.device)
    const result = issued(next.token, next.record, family)
    result.session.claims = claims
    return result
  }

  // In one process, requests with the same token queue behind each other instead of polling storage.
  const inFlight = new Map<string, Promise<unknown>>()

  return {
    async create({ user, claims, amr, providerTokens: tokens, hostCookie, device }) {
      const createdAt = now()
      const family: FamilyRecord = {
        v: 2, familyId: pooledRandomToken(16), user, claims, createdAt,
        ...(amr ? { amr } : {}),
        expiresAt: createdAt + options.absoluteTimeout * 1000, rootId: pooledRandomToken(16),
        // Kept on the family, so every successor token carries it without a write of its own.
        ...(hostCookie ? { hostCookie: true as const } : {}),
        ...(device ? { device } : {}),
      }
      // Index first: a family that exists is always found by revokeUser.
      await indexes.addFamily(user, family.familyId, family.expiresAt)
      await write(keys.family(family.familyId), family, family.expiresAt)
      if (tokens) await providerTokens.save(family, tokens)
      const first = await mint(family, family.rootId)
      await indexes.addExpiry(family.familyId, family.expiresAt)
      indexes.sweepSoon()
      return issued(first.token, first.record, family)
    },

    rotate(token, claimsFor, presented) {
      const id = TOKEN_PATTERN.exec(token)?.[1] ?? ''
      const previous = inFlight.get(id)
      const run = previous
        ? previous.then(() => {}, () => {}).then(() => rotateAfterWait(token, claimsFor, presented))
        : rotateNow(token, claimsFor, presented)
      const tracked = run.finally(() => {
        if (inFlight.get(id) === tracked) inFlight.delete(id)
      })
      tracked.catch(() => {})
      inFlight.set(id, tracked)
      return run
    },

    async get(token, presented) {
      const found = await resolve(token, presented)
      if (!found || found.record.rotatedAt || found.record.expiresAt <= now()) return undefined
      return view(found.family)
    },

    async revoke(token, presented) {
      const found = await resolve(token, presented)
      if (!found) return undefined
      const { record, family, secret } = found
      if (record.rotatedAt && !(await sameSuccessor(record, secret, false))) await reused(record, family)
      await revokeFamily(family.familyId)
      return { session: view(family), live: !record.rotatedAt && record.expiresAt > now() }
    },

    revokeFamily,

    async revokeUser(sub, { exceptFamilyId, provider: asked } = {}) {
      const perSub = options.perSub?.() === true
      const provider = scope(asked)
      const { families, providers } = await indexes.userFamilies(sub, provider)
      if (asked === undefined && providers.length > 1 && !perSub) log.warn(`sessions of ${providers.length} providers ended for one sub ${fingerprint(sub)}: pass the provider to end one login identity only`)
      let count = 0
      for (const [familyId, indexedUnder] of families) {
        if (familyId === exceptFamilyId) continue
        // Indexed by sub alone (before identities): the family record tells its provider.
        if (provider !== undefined && indexedUnder === undefined) {
          const family = await read<FamilyRecord>(keys.family(familyId))
          if (family && !provider.includes(family.user.provider)) continue
        }
        await revokeFamily(familyId)
        count++
      }
      return count
    },

    listUser: (sub, listOptions) => list.list(sub, { ...listOptions, provider: scope(listOptions?.provider) }),

    // Widened like every other call that names a provider: a role change reaches every session of the person.
    updateClaims: update => claimsUpdater.update({ ...update, provider: typeof update.provider === 'string' ? scope(update.provider) : update.provider }),

    async findUserSession(sub, match, { provider } = {}) {
      const family = await list.find(sub, match, scope(provider))
      return family ? view(family) : undefined
    },

    sweep: indexes.sweep,
    providerTokens,
  }

  /** A request that queued behind another with the same token saw it live: it is racing, not replaying. */
  async function rotateAfterWait(token: string, claimsFor?: ClaimsFor, presented?: Presented): Promise<IssuedSession> {
    const found = await resolve(token, presented)
    if (!found) throw invalid('unknown, expired, revoked or mismatched refresh token')
    if (found.record.rotatedAt) return replayed(found.record, found.family, found.secret, true, claimsFor)
    return rotateNow(token, claimsFor, presented)
  }
}
