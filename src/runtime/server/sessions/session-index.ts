import { log } from '../core/errors'
import type { RecordStore } from './session-records'

/**
 * The two indexes the session store keeps beside its records, so nothing ever scans storage:
 * per user, the families (logout everywhere, listing); per day, the families that end then
 * (a sweep removes them on drivers that ignore TTLs, such as fs and memory).
 */
interface UserIndex { v: 2, families: Record<string, number> }
interface DayBucket { v: 2, families: string[] }
interface SweepCursor { v: 2, day: string }

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
  /** Ends one family: removes its records and its user-index entry. */
  revokeFamily: (familyId: string) => Promise<void>
}

export function createSessionIndexes(records: RecordStore, options: SessionIndexOptions) {
  const { keys, now } = records
  let sweeping: boolean | undefined
  const sweepOn = () => (sweeping ??= typeof options.sweep === 'function' ? options.sweep() : options.sweep)

  /** Adds (`end` > now) or removes (`end` 0) a family in its user's index, dropping ended ones. */
  async function setUserFamily(sub: string, familyId: string, end: number): Promise<void> {
    await records.withLock(`user:${keys.user(sub)}`, async () => {
      const index = await records.read<UserIndex>(keys.user(sub))
      const entries = Object.entries({ ...index?.families, [familyId]: end })
      const families = Object.fromEntries(entries.filter(([, until]) => until > now()))
      const until = Math.max(0, ...Object.values(families))
      if (until > now()) await records.write(keys.user(sub), { v: 2, families } satisfies UserIndex, until)
      else await records.remove(keys.user(sub))
    })
  }

  async function userFamilies(sub: string): Promise<string[]> {
    return Object.keys((await records.read<UserIndex>(keys.user(sub)))?.families ?? {})
  }

  /** Files a family under the day it ends, for the sweep. */
  async function addExpiry(familyId: string, end: number): Promise<void> {
    if (!sweepOn()) return
    const bucketKey = keys.expiry(`${dayOf(end)}:${familyId.charCodeAt(0) % SHARDS}`)
    await records.withLock(bucketKey, async () => {
      const bucket = await records.read<DayBucket>(bucketKey)
      await records.write(bucketKey, { v: 2, families: [...bucket?.families ?? [], familyId] } satisfies DayBucket, end + 2 * DAY_MS)
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
        const bucket = await records.read<DayBucket>(bucketKey)
        for (const familyId of bucket?.families ?? []) {
          await options.revokeFamily(familyId)
          swept++
        }
        if (bucket) await records.remove(bucketKey)
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

  return { setUserFamily, userFamilies, addExpiry, sweep, sweepSoon }
}
