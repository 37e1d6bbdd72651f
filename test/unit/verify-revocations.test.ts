import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AegisVerificationError, createAegisVerifier } from '../../src/verify'
import type { AegisVerifier } from '../../src/verify'
import { createTokenService } from '../../src/runtime/server/tokens/tokens'

const ISSUER = 'https://app.example'
const SECRET = 'verify-unit-secret-0123456789abcdefghij'
const FEED_TOKEN = 'feed-service-token-0123456789-abcdefghijkl'
const app = createTokenService({ secret: SECRET, algorithm: 'HS256', issuer: ISSUER, expiresIn: 600 })
const nowSec = () => Math.floor(Date.now() / 1000)

/** A stand-in for the app's feed: what GET <authPath>/revocations answers. */
const feed = { entries: [] as Array<{ sid: string, before: number, until: number, v: number }>, version: 0, down: false, asked: [] as string[] }
let server: Server
let url: string
const verifiers: AegisVerifier[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const target = new URL(req.url!, 'http://x')
    feed.asked.push(target.search)
    if (req.headers.authorization !== `Bearer ${FEED_TOKEN}`) {
      res.writeHead(401).end()
      return
    }
    if (feed.down) {
      res.writeHead(503).end()
      return
    }
    const since = Number(target.searchParams.get('since') ?? 0)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ version: feed.version, entries: feed.entries.filter(e => e.v > since).map(({ sid, before, until }) => ({ sid, before, until })) }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/revocations`
})
afterEach(() => {
  for (const verifier of verifiers.splice(0)) verifier.close()
  Object.assign(feed, { entries: [], version: 0, down: false, asked: [] })
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

function verifier(options: { token?: string, onStale?: 'accept' | 'refuse', staleAfter?: number } = {}) {
  const v = createAegisVerifier({ issuer: ISSUER, secret: SECRET, revocations: { url, token: options.token ?? FEED_TOKEN, refreshMs: 100, onStale: options.onStale, staleAfter: options.staleAfter } })
  verifiers.push(v)
  return v
}
const revoke = (sid: string) => {
  feed.version += 1
  feed.entries.push({ sid, before: Number.MAX_SAFE_INTEGER, until: nowSec() + 700, v: feed.version })
}
async function eventually(check: () => Promise<boolean>, ms = 3000) {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
const refused = (v: AegisVerifier, token: string) => v.verify(token).then(() => false, (error: unknown) => error instanceof AegisVerificationError && error.code === 'invalid_token')

describe('[REV-7] nuxt-aegis/verify honours the app\'s revocation feed', () => {
  it('refuses a token of a revoked session from the first verification on, then one revoked later within refreshMs', async () => {
    revoke('sid-early')
    const early = await app.sign({ sub: 'u1', provider: 'mock', sid: 'sid-early' })
    const later = await app.sign({ sub: 'u2', provider: 'mock', sid: 'sid-later' })
    const v = verifier()
    // The first verification waits for the first load: never accepts a token revoked before it started.
    await expect(v.verify(early)).rejects.toMatchObject({ code: 'invalid_token', reason: 'revoked' })
    expect(await v.verify(later)).toMatchObject({ sub: 'u2' })
    revoke('sid-later')
    await eventually(() => refused(v, later))
    // It asks only for what is new (since the last version), not the whole list every time.
    expect(feed.asked[0]).toBe('')
    expect(feed.asked.slice(1).every(query => /^\?since=\d+$/.test(query))).toBe(true)
    expect(feed.asked).toContain('?since=1')
  })

  it('after a claims update of its sid, a token of the new claims generation is accepted, one of an older generation (or none) refused', async () => {
    feed.version = 1
    feed.entries.push({ sid: 'sid-x', before: 1000, until: nowSec() + 700, v: 1 })
    const v = verifier()
    expect(await v.verify(await app.sign({ sub: 'u3', provider: 'mock', sid: 'sid-x', cgen: 1000 }))).toMatchObject({ sub: 'u3' })
    expect(await refused(v, await app.sign({ sub: 'u3', provider: 'mock', sid: 'sid-x', cgen: 999 }))).toBe(true)
    expect(await refused(v, await app.sign({ sub: 'u3', provider: 'mock', sid: 'sid-x' }))).toBe(true)
  })

  it('a feed that cannot be read: keeps the last list, and after staleAfter accepts (default) or refuses with revocation_unavailable', async () => {
    revoke('sid-gone')
    const gone = await app.sign({ sub: 'u1', provider: 'mock', sid: 'sid-gone' })
    const fine = await app.sign({ sub: 'u4', provider: 'mock', sid: 'sid-fine' })
    const accept = verifier({ staleAfter: 0.3 })
    const refuse = verifier({ staleAfter: 0.3, onStale: 'refuse' })
    expect(await refused(accept, gone)).toBe(true)
    expect(await refused(refuse, gone)).toBe(true)
    feed.down = true
    await eventually(() => refuse.verify(fine).then(() => false, (error: unknown) => (error as AegisVerificationError).code === 'revocation_unavailable'))
    expect(await accept.verify(fine)).toMatchObject({ sub: 'u4' })
    expect(await refused(accept, gone)).toBe(true)
    feed.down = false
    await eventually(() => refuse.verify(fine).then(() => true, () => false))
  })

  it('a wrong service token is never taken for an empty list when refusing is asked for', async () => {
    const v = verifier({ token: 'wrong-token-0123456789-abcdefghijklmnopq', staleAfter: 0.2, onStale: 'refuse' })
    const token = await app.sign({ sub: 'u5', provider: 'mock', sid: 'sid-5' })
    await eventually(() => v.verify(token).then(() => false, (error: unknown) => (error as AegisVerificationError).code === 'revocation_unavailable'))
  })

  it('refuses options without url or token', () => {
    expect(() => createAegisVerifier({ issuer: ISSUER, secret: SECRET, revocations: { url: '', token: FEED_TOKEN } })).toThrow(/url and token/)
    expect(() => createAegisVerifier({ issuer: ISSUER, secret: SECRET, revocations: { url, token: '' } })).toThrow(/url and token/)
  })
})
