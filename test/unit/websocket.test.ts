import { describe, expect, it } from 'vitest'
import { upgradeToken } from '../../src/runtime/server/websocket/websocket-token'

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
