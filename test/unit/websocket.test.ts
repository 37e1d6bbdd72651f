import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { upgradeToken } from '../../src/runtime/server/websocket/websocket-token'
import { createPeerRegistry, TOKEN_EXPIRED_CLOSE_CODE } from '../../src/runtime/server/websocket/websocket-expiry'

const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln'

describe('[WS-1] the token of an upgrade request', () => {
  it('reads Authorization: Bearer first, then the aegis.bearer subprotocol pair', () => {
    expect(upgradeToken(new Headers({ authorization: `Bearer ${token}` }))).toBe(token)
    expect(upgradeToken(new Headers({ 'sec-websocket-protocol': `aegis.bearer, ${token}` }))).toBe(token)
    expect(upgradeToken(new Headers({ 'authorization': `Bearer ${token}`, 'sec-websocket-protocol': 'aegis.bearer, other' }))).toBe(token)
  })

  it('absent (undefined) versus malformed (null)', () => {
    expect(upgradeToken(new Headers())).toBeUndefined()
    expect(upgradeToken(new Headers({ 'sec-websocket-protocol': `chat, aegis.bearer, ${token}` }))).toBeUndefined()
    expect(upgradeToken(new Headers({ 'sec-websocket-protocol': 'aegis.bearer' }))).toBeNull()
    expect(upgradeToken(new Headers({ authorization: 'Basic abc' }))).toBeNull()
    expect(upgradeToken(new Headers({ 'sec-websocket-protocol': 'aegis.bearer, a"b' }))).toBeNull()
  })
})

describe('[WS-2] authenticated peers are closed by a server timer at their token\'s exp', () => {
  const start = 1_700_000_000_000

  function peer(id: string) {
    const closed: Array<[number | undefined, string | undefined]> = []
    return { id, closed, close: (code?: number, reason?: string) => void closed.push([code, reason]) }
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: start })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a silent peer is closed with 4401 at exp, not before', () => {
    const registry = createPeerRegistry()
    const silent = peer('a')
    expect(registry.track(silent, { exp: start / 1000 + 5 })).toBe(true)
    vi.advanceTimersByTime(4999)
    expect(silent.closed).toEqual([])
    vi.advanceTimersByTime(1)
    expect(silent.closed).toEqual([[TOKEN_EXPIRED_CLOSE_CODE, 'token expired']])
    expect(TOKEN_EXPIRED_CLOSE_CODE).toBe(4401)
    expect(registry.size).toBe(0)
  })

  it('a peer whose token expired before open is closed at once and reported so', () => {
    const registry = createPeerRegistry()
    const late = peer('b')
    expect(registry.track(late, { exp: start / 1000 - 1 })).toBe(false)
    expect(late.closed).toEqual([[4401, 'token expired']])
  })

  it('closing the socket clears its timer: nothing fires later', () => {
    const registry = createPeerRegistry()
    const gone = peer('c')
    registry.track(gone, { exp: start / 1000 + 5 })
    registry.untrack(gone)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(60_000)
    expect(gone.closed).toEqual([])
  })

  it('a token valid longer than setTimeout can wait (30 days) still closes at its exp', () => {
    const registry = createPeerRegistry()
    const long = peer('d')
    registry.track(long, { exp: start / 1000 + 30 * 86_400 })
    vi.advanceTimersByTime(30 * 86_400_000 - 1)
    expect(long.closed).toEqual([])
    vi.advanceTimersByTime(1)
    expect(long.closed).toEqual([[4401, 'token expired']])
  })

  it('closeWhere ends the matching peers now and clears their timers (the hook point for revocation)', () => {
    const registry = createPeerRegistry<{ exp?: unknown, sid?: string }>()
    const one = peer('e')
    const two = peer('f')
    registry.track(one, { exp: start / 1000 + 600, sid: 's1' })
    registry.track(two, { exp: start / 1000 + 600, sid: 's2' })
    expect(registry.closeWhere(user => user.sid === 's1')).toBe(1)
    expect(one.closed).toEqual([[4401, 'session ended']])
    expect(two.closed).toEqual([])
    expect(vi.getTimerCount()).toBe(1)
  })
})
