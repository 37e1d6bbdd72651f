import type { Storage } from 'unstorage'
import type { Locks } from '../core/locks'
import { withLock } from '../core/locks'
import { storageCall } from '../core/storage-io'
import type { RevocationBatch, RevocationEntry } from './list'

/**
 * The revocation list in the session storage, on any unstorage driver. Entries go into
 * segments by the time they were recorded (a segment per minute, or per 1/60 of the token
 * lifetime when that is longer); a small head record names the newest version and segment.
 * A reader polls the head (one small read) and reads only the segments it has not seen in
 * full: usually the newest one. Every record expires (TTL) once no token it refuses can be
 * valid; on drivers that ignore TTLs (fs, memory) old segments are removed when a new one starts.
 */
export interface RevocationStore {
  /** Records that tokens of `sid` issued before `before` are refused until `until` (seconds); returns the entry with its version. */
  add: (sid: string, until: number, before: number) => Promise<RevocationEntry>
  /** What was recorded after `cursor` (undefined: everything still live). */
  since: (cursor: RevocationCursor | undefined) => Promise<RevocationBatch<RevocationCursor>>
}

/** Where a reader stands: the head version it read, and the segment it has to read again next time. */
export interface RevocationCursor { v: number, seg: number }

interface Head { v: number, seg: number }
type Row = [sid: string, before: number, until: number, v: number]

export interface RevocationStoreOptions {
  storage: Storage
  /** Key prefix (the session storage's `prefix`). */
  prefix: string
  locks: Locks
  /** Seconds: the longest an access token can be accepted (its lifetime plus the clock tolerance). */
  lifetime: number
  /** Remove old segments by hand: for drivers that ignore TTLs (fs, memory). */
  sweep?: () => boolean
  now?: () => number
}

export function createRevocationStore(options: RevocationStoreOptions): RevocationStore {
  const { storage, prefix, locks, lifetime } = options
  const now = options.now ?? Date.now
  const segSeconds = Math.max(60, Math.ceil(lifetime / 60))
  const ttl = lifetime + segSeconds + 60
  const keys = {
    head: `${prefix}revocations:head`,
    seg: (seg: number) => `${prefix}revocations:seg:${seg}`,
    segs: `${prefix}revocations:seg`,
  }
  const segOf = (ms: number) => Math.floor(ms / 1000 / segSeconds)
  const io = <T>(what: string, fn: () => Promise<T>) => storageCall(`revocation list ${what}`, fn)

  const readHead = async (): Promise<Head | undefined> => {
    const head = await io('read', () => storage.getItem<Head>(keys.head))
    return head && Number.isFinite(head.v) && Number.isFinite(head.seg) ? head : undefined
  }
  const readSeg = async (seg: number): Promise<Row[]> => {
    const rows = await io('read', () => storage.getItem<{ rows?: Row[] }>(keys.seg(seg)))
    return Array.isArray(rows?.rows) ? rows.rows : []
  }

  /** Segments no token can be refused by any more (drivers without TTL). */
  async function sweepBefore(seg: number) {
    const oldest = segOf(now() - ttl * 1000)
    const names = await io('sweep', () => storage.getKeys(keys.segs))
    for (const name of names) {
      const n = Number(name.slice(name.lastIndexOf(':') + 1))
      if (Number.isInteger(n) && n < oldest && n < seg) await io('sweep', () => storage.removeItem(name))
    }
  }

  return {
    add(sid, until, before) {
      return withLock(locks, 'revocations', async () => {
        const head = await readHead()
        // Strictly increasing, and still increasing after the head expired (all of it had).
        const v = Math.max((head?.v ?? 0) + 1, now())
        const seg = Math.max(segOf(now()), head?.seg ?? 0)
        const rows = await readSeg(seg)
        rows.push([sid, before, until, v])
        // Segment first, then the head: a reader that sees the head finds the entry.
        await io('write', () => storage.setItem(keys.seg(seg), { rows }, { ttl }))
        await io('write', () => storage.setItem(keys.head, { v, seg }, { ttl }))
        if (head && seg > head.seg && options.sweep?.()) await sweepBefore(seg).catch(() => {})
        return { sid, before, until, v }
      }, { holdMs: 5000, waitMs: 5000 })
    },

    async since(cursor) {
      const head = await readHead()
      if (!head) return { cursor: cursor ?? { v: 0, seg: segOf(now()) }, version: cursor?.v ?? 0, entries: [] }
      if (cursor && head.v === cursor.v) return { cursor, version: head.v, entries: [] }
      // The cursor's own segment may have grown since; older ones are complete.
      const from = Math.max(cursor?.seg ?? 0, segOf(now() - ttl * 1000))
      const entries: RevocationEntry[] = []
      for (let seg = from; seg <= head.seg; seg++) {
        for (const [sid, before, until, v] of await readSeg(seg)) {
          if (!cursor || v > cursor.v) entries.push({ sid, before, until, v })
        }
      }
      return { cursor: head, version: head.v, entries }
    },
  }
}
