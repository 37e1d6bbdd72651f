import { afterEach, describe, expect, it, vi } from 'vitest'
import { TtlMap } from '../../src/runtime/server/core/ttl-map'

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t }
  return c
}

describe('[CODE-3] TtlMap', () => {
  it('returns values until they expire, then forgets them', () => {
    const c = clock()
    const map = new TtlMap<string>(10, c.now)
    map.set('a', 'A', 1000)
    expect(map.get('a')).toBe('A')
    c.t += 999
    expect(map.get('a')).toBe('A')
    c.t += 1
    expect(map.get('a')).toBeUndefined()
    expect(map.size).toBe(0)
  })

  it('take returns a value once and removes it', () => {
    const map = new TtlMap<string>(10)
    map.set('a', 'A', 60_000)
    expect(map.take('a')).toBe('A')
    expect(map.take('a')).toBeUndefined()
    expect(map.get('a')).toBeUndefined()
  })

  it('take of an expired entry gives nothing', () => {
    const c = clock()
    const map = new TtlMap<string>(10, c.now)
    map.set('a', 'A', 10)
    c.t += 10
    expect(map.take('a')).toBeUndefined()
  })

  it('take is atomic: of many synchronous callers exactly one gets the value', async () => {
    const map = new TtlMap<number>(10)
    map.set('k', 42, 60_000)
    const results = await Promise.all(Array.from({ length: 50 }, async () => map.take('k')))
    expect(results.filter(r => r === 42)).toHaveLength(1)
  })

  it('is bounded: a flood of live entries never grows past maxEntries and keeps the newest', () => {
    const map = new TtlMap<number>(5)
    for (let i = 0; i < 1000; i++) map.set(`k${i}`, i, 60_000)
    expect(map.size).toBe(5)
    expect(map.get('k999')).toBe(999)
    expect(map.get('k995')).toBe(995)
    expect(map.get('k994')).toBeUndefined()
  })

  it('when full, expired entries are swept before live ones are dropped', () => {
    const c = clock()
    const map = new TtlMap<string>(3, c.now)
    map.set('old1', 'x', 10)
    map.set('old2', 'x', 10)
    map.set('live', 'L', 1000)
    c.t += 20
    map.set('new', 'N', 1000)
    expect(map.get('live')).toBe('L')
    expect(map.get('new')).toBe('N')
    expect(map.size).toBe(2)
  })

  it('re-setting a key replaces it without counting twice', () => {
    const map = new TtlMap<string>(2)
    map.set('a', '1', 60_000)
    map.set('a', '2', 60_000)
    map.set('b', 'B', 60_000)
    expect(map.get('a')).toBe('2')
    expect(map.get('b')).toBe('B')
    expect(map.size).toBe(2)
  })

  it('writes sweep a few expired entries from the oldest end', () => {
    const c = clock()
    const map = new TtlMap<number>(100, c.now)
    for (let i = 0; i < 20; i++) map.set(`k${i}`, i, 10)
    c.t += 10
    map.set('fresh', 1, 10)
    // At most 8 per write: the sweep does small steps, never a full scan.
    expect(map.size).toBe(20 - 8 + 1)
  })

  it('sweep stops at the first live entry and respects its limit', () => {
    const c = clock()
    const map = new TtlMap<string>(100, c.now)
    map.set('expired1', 'x', 10)
    map.set('live', 'L', 10_000)
    map.set('expired2', 'x', 10)
    c.t += 100
    map.sweep(Number.POSITIVE_INFINITY)
    // expired2 sits behind a live entry: the sweep does not scan past it.
    expect(map.size).toBe(2)
    expect(map.get('live')).toBe('L')
    // A read still treats it as gone.
    expect(map.get('expired2')).toBeUndefined()
    expect(map.size).toBe(1)

    const limited = new TtlMap<string>(100, c.now)
    for (let i = 0; i < 5; i++) limited.set(`k${i}`, 'x', 10)
    c.t += 100
    limited.sweep(2)
    expect(limited.size).toBe(3)
    limited.sweep(0)
    expect(limited.size).toBe(3)
  })

  it('delete removes an entry', () => {
    const map = new TtlMap<string>(10)
    map.set('a', 'A', 60_000)
    map.delete('a')
    expect(map.get('a')).toBeUndefined()
  })

  describe('sweepEvery: an idle map shrinks back', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('frees every expired entry on its timer, with no write at all, and keeps live ones', () => {
      vi.useFakeTimers()
      const c = clock()
      const map = new TtlMap<string>(1000, c.now).sweepEvery(1000)
      for (let i = 0; i < 500; i++) map.set(`old-${i}`, 'x', 5000)
      c.t += 3000
      map.set('young', 'y', 5000)
      c.t += 2000
      expect(map.size).toBe(501)
      vi.advanceTimersByTime(1000)
      expect(map.size).toBe(1)
      expect(map.get('young')).toBe('y')
    })

    it('does nothing before its interval and the timer never holds the process open', () => {
      vi.useFakeTimers()
      const unref = vi.fn()
      const setIntervalSpy = vi.spyOn(globalThis, 'setInterval').mockReturnValueOnce({ unref } as unknown as ReturnType<typeof setInterval>)
      const c = clock()
      const map = new TtlMap<string>(10, c.now).sweepEvery(1000)
      expect(setIntervalSpy).toHaveBeenCalledWith(expect.any(Function), 1000)
      expect(unref).toHaveBeenCalled()
      map.set('a', 'A', 10)
      c.t += 20
      expect(map.size).toBe(1)
    })
  })
})
