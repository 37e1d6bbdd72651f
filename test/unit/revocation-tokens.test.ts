import { describe, expect, it } from 'vitest'
import { createTokenService } from '../../src/runtime/server/tokens/tokens'
import { createRevocationList } from '../../src/runtime/server/revocation/list'

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop'

describe('[REV-1] the token cache consults the revocation list', () => {
  function setup() {
    const list = createRevocationList<number>({ load: async () => ({ cursor: 0, version: 0, entries: [] }), refreshMs: 1000, staleAfterMs: 60_000, onStale: 'accept' })
    const tokens = createTokenService({ secret: SECRET, algorithm: 'HS256', issuer: 'test', expiresIn: 600, revoked: claims => list.refuses(claims.sid, claims.iat) })
    return { list, tokens }
  }

  it('a revoked sid on an already cached token is refused on the synchronous path and on verify', async () => {
    const { list, tokens } = setup()
    const token = await tokens.sign({ sub: 'alice', provider: 'mock', sid: 'sid-1' })
    const other = await tokens.sign({ sub: 'alice', provider: 'mock', sid: 'sid-2' })
    expect(await tokens.verify(token)).toMatchObject({ sub: 'alice' })
    expect(await tokens.verify(other)).toMatchObject({ sub: 'alice' })
    expect(tokens.verifyBearerCached(`Bearer ${token}`)).toMatchObject({ sid: 'sid-1' })
    const nowSec = Math.floor(Date.now() / 1000)
    list.merge([{ sid: 'sid-1', before: nowSec + 1, until: nowSec + 700, v: 1 }])
    expect(tokens.verifyBearerCached(`Bearer ${token}`)).toBeUndefined()
    expect(tokens.verifyCached(token)).toBeUndefined()
    expect(await tokens.verify(token)).toBeUndefined()
    // Other sessions' tokens are untouched.
    expect(tokens.verifyBearerCached(`Bearer ${other}`)).toMatchObject({ sid: 'sid-2' })
  })

  it('a token not seen before is refused too, and verification waits for the first load', async () => {
    const { list, tokens } = setup()
    const nowSec = Math.floor(Date.now() / 1000)
    list.merge([{ sid: 'sid-3', before: nowSec + 1, until: nowSec + 700, v: 1 }])
    expect(await tokens.verify(await tokens.sign({ sub: 'bob', provider: 'mock', sid: 'sid-3' }))).toBeUndefined()

    let loaded!: () => void
    const first = new Promise<void>(resolve => (loaded = resolve))
    let done = false
    const waiting = createTokenService({ secret: SECRET, algorithm: 'HS256', issuer: 'test', expiresIn: 600, revoked: () => true, ready: () => (done ? undefined : first) })
    const token = await waiting.sign({ sub: 'bob', provider: 'mock', sid: 'x' })
    let settled = false
    const result = waiting.verify(token).then((claims) => {
      settled = true
      return claims
    })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    done = true
    loaded()
    expect(await result).toBeUndefined()
  })
})
