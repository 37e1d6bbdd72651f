import { log } from '../core/errors'
import type { RecordStore, Unread } from './session-records'

/**
 * The indexes the session store keeps beside its records, so nothing ever scans storage:
 * per login identity (provider, sub), its families (logout everywhere, listing), so a local
 * account `12345` and GitHub user 12345 never share one; per sub, the providers it logged in
 * with (calls that name no provider) and the families indexed by sub alone before identities
 * (still found, until they end); per day, the families that end then (a sweep removes them on drivers
 * that ignore TTLs, such as fs and memory).
 *
 * None of them is ever written over when it does not open (written with an encryption key this
 * instance lacks: a key change without `previousKeys`, a rolling deploy): the new version carries
 * the old one as stored, and its entries count again once it opens (the key is back), so sessions
 * of before the change still end on "logout everywhere".
 */
type Ends = Record<string, number>
interface IndexRecord { v: 2, families: Ends, providers?: Ends, unread?: Unread[] }
interface DayBucket { v: 2, families: string[], unread?: Unread[] }
interface Index { families: Ends, providers: Ends, unread: Unread[] }
interface SweepCursor { v: 2, day: string }
interface Identity { provider: string, sub: string }

const DAY_MS = 86_400_000
/** Buckets per day: a busy day's logins spread over them, so no bucket record grows large. */
const SHARDS = 64
const SWEEP_EVERY_MS = 3_600_000
const YEAR_MS = 365 * DAY_MS

/** `YYYYMMDD` of a time (UTC). */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '')

export interface SessionIndexOptions {
  /** Keep day buckets and sweep them (drivers without native TTL); a function is asked once, on first use. */
  sweep: boolean | (() => boolean)
  /** Ends one family: removes its records and its index entries. */
  revokeFamily: (familyId: string) => Promise<void>
  /** How long an index version that does not open is carried (ms): the longest a session lives. */
  keepUnreadMs: number
}

/** Takes the later end of each entry of `from`. */
function merge(into: Ends, from: Ends | undefined): void {
  for (const [id, end] of Object.entries(from ?? {})) {
    if (typeof end === 'number' && !((into[id] ?? 0) >= end)) into[id] = end
  }
}

/** Marks an entry ended, so the next write leaves it out; false when there was none. */
function drop(ends: Ends, id: string): boolean {
  if (!(id in ends)) return false
  ends[id] = 0
  return true
}

export function createSessionIndexes(records: RecordStore, options: SessionIndexOptions) {
  const { keys, now } = records
  let sweeping: boolean | undefined
  const sweepOn = () => (sweeping ??= typeof options.sweep === 'function' ? options.sweep() : options.sweep)

  /** An index record merged with every version of it it carries that opens now. */
  async function readIndex(key: string): Promise<Index> {
    const { records: versions, unread } = await records.readCollected<IndexRecord>(key, options.keepUnreadMs)
    const index: Index = { families: {}, providers: {}, unread }
    for (const version of versions) {
      merge(index.families, version.families)
      merge(index.providers, version.providers)
    }
    return index
  }

  /** Changes an index record under its lock (`change` says whether it changed anything), dropping ended entries. */
  async function updateIndex(key: string, change: (index: Index) => boolean | Promise<boolean>): Promise<void> {
    await records.withLock(`index:${key}`, async () => {
      const index = await readIndex(key)
      if (!(await change(index))) return
      const live = (ends: Ends) => Object.fromEntries(Object.entries(ends).filter(([, until]) => until > now()))
      const families = live(index.families)
      const providers = live(index.providers)
      const { unread } = index
      const until = Math.max(0, ...Object.values(families), ...Object.values(providers), ...unread.map(u => u.until))
      if (until <= now()) return records.remove(key)
      const record: IndexRecord = { v: 2, families, ...(Object.keys(providers).length ? { providers } : {}), ...(unread.length ? { unread } : {}) }
      await records.write(key, record, until)
    })
  }

  /** Files a new family under its identity, and the identity's provider under its sub. */
  async function addFamily(user: Identity, familyId: string, end: number): Promise<void> {
    await updateIndex(keys.identity(user.provider, user.sub), (index) => {
      index.families[familyId] = end
      return true
    })
    await updateIndex(keys.user(user.sub), (index) => {
      if ((index.providers[user.provider] ?? 0) >= end) return false
      index.providers[user.provider] = end
      return true
    })
  }

  /** Forgets an ended family: in its identity's index, and in its sub's index from before identities. */
  async function removeFamily(user: Identity, familyId: string): Promise<void> {
    const identityKey = keys.identity(user.provider, user.sub)
    await updateIndex(identityKey, index => drop(index.families, familyId))
    // The identity's last family gone: its provider leaves the sub's list too. The identity is read
    // under the sub's lock: a login of it meanwhile adds the provider back after (see addFamily).
    await updateIndex(keys.user(user.sub), async (index) => {
      const dropped = drop(index.families, familyId)
      if (!(user.provider in index.providers) || Object.keys((await readIndex(identityKey)).families).length) return dropped
      return drop(index.providers, user.provider)
    })
  }

  /**
   * The families of one identity (or of the identities of several providers of that sub), or
   * with no provider of every provider that sub logged in with.
   * Each maps to the provider it is indexed under; `undefined` for one indexed by sub alone
   * (before identities), whose provider only its family record tells.
   */
  async function userFamilies(sub: string, provider?: string | string[]): Promise<{ families: Map<string, string | undefined>, providers: string[] }> {
    const bySub = await readIndex(keys.user(sub))
    const providers = provider === undefined ? Object.keys(bySub.providers) : [provider].flat()
    const families = new Map<string, string | undefined>(Object.keys(bySub.families).map(id => [id, undefined]))
    for (const name of providers) {
      for (const id of Object.keys((await readIndex(keys.identity(name, sub))).families)) families.set(id, name)
    }
    return { families, providers }
  }

  /** Files a family under the day it ends, for the sweep. */
  async function addExpiry(familyId: string, end: number): Promise<void> {
    if (!sweepOn()) return
    const bucketKey = keys.expiry(`${dayOf(end)}:${familyId.charCodeAt(0) % SHARDS}`)
    const until = end + 2 * DAY_MS
    await records.withLock(bucketKey, async () => {
      const { records: versions, unread } = await records.readCollected<DayBucket>(bucketKey, until - now())
      const families = [...new Set([...versions.flatMap(version => version.families ?? []), familyId])]
      await records.write(bucketKey, { v: 2, families, ...(unread.length ? { unread } : {}) } satisfies DayBucket, until)
    })
    // The first bucket ever starts the cursor, so the sweep knows where to begin.
    if (!(await records.read<SweepCursor>(keys.sweep()))) {
      await records.write(keys.sweep(), { v: 2, day: dayOf(now()) } satisfies SweepCursor, now() + YEAR_MS)
    }
  }

  /** Ends every family filed under a day before today; returns how many. Never lists keys. */
  async function sweep(): Promise<number> {
    if (!sweepOn()) return 0
    let swept = 0
    const today = dayOf(now())
    const cursor = await records.read<SweepCursor>(keys.sweep())
    if (!cursor) return 0
    let day = cursor.day
    for (let steps = 0; day < today && steps < 3660; steps++) {
      for (let shard = 0; shard < SHARDS; shard++) {
        const bucketKey = keys.expiry(`${day}:${shard}`)
        const { records: versions, unread } = await records.readCollected<DayBucket>(bucketKey, 0)
        for (const familyId of new Set(versions.flatMap(version => version.families ?? []))) {
          await options.revokeFamily(familyId)
          swept++
        }
        // Families in a version that still does not open ended by now anyway (the day passed).
        if (unread.length) log.warn(`sweep: a bucket of ${day} holds families written with an encryption key that is gone; their records stay`)
        if (versions.length || unread.length) await records.remove(bucketKey)
      }
      day = dayOf(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + DAY_MS)
      await records.write(keys.sweep(), { v: 2, day } satisfies SweepCursor, now() + YEAR_MS)
    }
    return swept
  }

  let lastSweep = Number.NEGATIVE_INFINITY
  /** Starts a sweep in the background at most once an hour per process; one instance at a time. */
  function sweepSoon(): void {
    if (!sweepOn() || now() - lastSweep < SWEEP_EVERY_MS) return
    lastSweep = now()
    void (async () => {
      if (!(await records.locks.acquire('sweep', SWEEP_EVERY_MS))) return
      const swept = await sweep()
      if (swept) log.info(`swept ${swept} ended session(s)`)
    })().catch(() => log.warn('session sweep failed; it runs again later'))
  }

  return { addFamily, removeFamily, userFamilies, addExpiry, sweep, sweepSoon }
}
