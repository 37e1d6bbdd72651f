import { describe, expect, it, vi } from 'vitest'
import { ENDED, createRevocationList, impersonationKey, refusesToken } from '../../src/runtime/server/revocation/list'
import type { RevocationBatch, RevocationEntry } from '../../src/runtime/server/revocation/list'

const entry = (sid: string, before: number, until: number, v = 1): RevocationEntry => ({ sid, before, until, v })

function listWith(load: (cursor: number | undefined) => Promise<RevocationBatch<number>>, opts: { onStale?: 'accept' | 'refuse', staleAfterMs?: number, now?: () => number } = {}) {
  const log = { warn: vi.fn(), error: vi.fn() }
  const list = createRevocationList<number>({ load, refreshMs: 1000, staleAfterMs: opts.staleAfterMs ?? 60_000, onStale: opts.onStale ?? 'accept', log, now: opts.now })
  return { list, log }
}

describe('[REV-1] the in-memory revocation list', () => {
  const nowSec = Math.floor(Date.now() / 1000)

  it('refuses a token of a listed sid issued before the entry, and accepts one issued at or after it', async () => {
    const { list } = listWith(async () => ({ cursor: 1, version: 1, entries: [entry('s1', nowSec, nowSec + 600)] }))
    await list.refresh()
    expect(list.refuses('s1', nowSec - 5)).toBe(true)
    expect(list.refuses('s1', nowSec)).toBe(false)
    expect(list.refuses('s2', nowSec - 5)).toBe(false)
    // A token without a numeric iat is refused when its sid is listed (never let through by a missing claim).
    expect(list.refuses('s1', undefined)).toBe(true)
    expect(list.refuses(undefined, nowSec)).toBe(false)
  })

  it('a session that ended refuses every token of its sid, whatever its claims generation or iat', async () => {
    const { list } = listWith(async () => ({ cursor: 1, version: 1, entries: [entry('s1', ENDED, nowSec + 600)] }))
    await list.refresh()
    for (const cgen of [undefined, 0, nowSec, nowSec + 4, 1e15]) expect(list.refuses('s1', cgen)).toBe(true)
    // A claims update after the end (an in-flight one) never narrows it.
    list.merge([entry('s1', nowSec + 10, nowSec + 900, 2)])
    expect(list.refuses('s1', nowSec + 10)).toBe(true)
  })

  it('an impersonation token that was stopped is refused by its jti; the actor\'s session and its other tokens are not', () => {
    const { list } = listWith(async () => ({ cursor: 0, version: 0, entries: [] }))
    list.merge([entry(impersonationKey('jti-stopped'), ENDED, nowSec + 600)])
    expect(refusesToken(list, { sid: 'actor-sid', act: { sub: 'admin' }, jti: 'jti-stopped' })).toBe(true)
    expect(refusesToken(list, { sid: 'actor-sid', act: { sub: 'admin' }, jti: 'jti-other' })).toBe(false)
    expect(refusesToken(list, { sid: 'actor-sid', jti: 'jti-x' })).toBe(false)
    // Not an impersonation token: its jti is never looked up (a forged entry cannot end a user's token).
    list.merge([entry(impersonationKey('plain'), ENDED, nowSec + 600)])
    expect(refusesToken(list, { sid: 'actor-sid', jti: 'plain' })).toBe(false)
  })

  it('[REV-4] a fresh list whose first load fails is stale at once: refuses every token under onStale "refuse", says so under "accept"', async () => {
    for (const onStale of ['accept', 'refuse'] as const) {
      const { list, log } = listWith(async () => {
        throw new Error('down')
      }, { onStale, staleAfterMs: 60_000 })
      await list.refresh()
      expect(list.stale).toBe(true)
      expect(list.refuses('any', 1)).toBe(onStale === 'refuse')
      expect(log.error.mock.calls.map(call => String(call[0])).join('\n')).toMatch(/never loaded/)
    }
  })

  it('widens an entry, never narrows it, and forgets entries past `until`', () => {
    let now = Date.now()
    const { list } = listWith(async () => ({ cursor: 0, version: 0, entries: [] }), { now: () => now })
    list.merge([entry('s1', nowSec + 10, nowSec + 600, 2)])
    list.merge([entry('s1', nowSec, nowSec + 100, 1)])
    expect(list.refuses('s1', nowSec + 5)).toBe(true)
    list.merge([entry('gone', nowSec - 100, nowSec - 1)])
    expect(list.size).toBe(1)
    now += 700_000
    list.merge([])
    expect(list.since(0).map(e => e.sid)).toEqual(['s1'])
  })

  it('since(v) gives the entries recorded after v; version is the last complete load', async () => {
    const batches = [
      { cursor: 1, version: 5, entries: [entry('a', nowSec, nowSec + 600, 3), entry('b', nowSec, nowSec + 600, 5)] },
      { cursor: 2, version: 9, entries: [entry('c', nowSec, nowSec + 600, 9)] },
    ]
    const cursors: Array<number | undefined> = []
    const { list } = listWith(async (cursor) => {
      cursors.push(cursor)
      return batches.shift()!
    })
    await list.refresh()
    expect(list.version).toBe(5)
    expect(list.since(3).map(e => e.sid)).toEqual(['b'])
    await list.refresh()
    expect(cursors).toEqual([undefined, 1])
    expect(list.version).toBe(9)
    expect(list.since(0).map(e => e.sid).sort()).toEqual(['a', 'b', 'c'])
  })

  it('[REV-4] a failing load keeps the last list, logs once, and after staleAfter accepts (default) or refuses every token', async () => {
    for (const onStale of ['accept', 'refuse'] as const) {
      let now = Date.now()
      let down = false
      const { list, log } = listWith(async () => {
        if (down) throw new Error('down')
        return { cursor: 1, version: 1, entries: [entry('s1', nowSec, nowSec + 6000)] }
      }, { onStale, staleAfterMs: 30_000, now: () => now })
      await list.refresh()
      down = true
      now += 1000
      await list.refresh()
      await list.refresh()
      expect(log.error).toHaveBeenCalledTimes(1)
      expect(list.stale).toBe(false)
      expect(list.refuses('s1', nowSec - 1)).toBe(true)
      expect(list.refuses('other', nowSec)).toBe(false)
      now += 30_000
      await list.refresh()
      expect(list.stale).toBe(true)
      expect(log.error).toHaveBeenCalledTimes(2)
      expect(list.refuses('s1', nowSec - 1)).toBe(true)
      expect(list.refuses('other', nowSec)).toBe(onStale === 'refuse')
      down = false
      await list.refresh()
      expect(list.stale).toBe(false)
      expect(list.refuses('other', nowSec)).toBe(false)
      expect(log.warn).toHaveBeenCalledWith('revocation list refreshed again')
    }
  })

  it('runs one load at a time', async () => {
    let calls = 0
    let release!: () => void
    const { list } = listWith(() => {
      calls++
      return new Promise(resolve => (release = () => resolve({ cursor: 1, version: 1, entries: [] })))
    })
    const a = list.refresh()
    const b = list.refresh()
    release()
    await Promise.all([a, b])
    expect(calls).toBe(1)
  })

  it('ignores malformed entries (a feed or a pub/sub message is input)', () => {
    const { list } = listWith(async () => ({ cursor: 0, version: 0, entries: [] }))
    list.merge([{ sid: 1, before: 'x' } as unknown as RevocationEntry, null as unknown as RevocationEntry, entry('', nowSec, nowSec + 60)])
    expect(list.size).toBe(0)
  })
})
