import { jwtVerify, decodeProtectedHeader } from 'jose'
import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createTokenService } from '../../src/runtime/server/tokens/tokens'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { TokenRecord } from '../../src/runtime/server/sessions/sessions'
import { deriveKey, seal, unseal } from '../../src/runtime/server/core/crypto'
import { pooledRandomBytes, pooledRandomToken } from '../../src/runtime/server/core/random'

// What the refresh hot path does differently from the obvious code (issue 19): each must still
// give exactly what the obvious code gave. No timing here; the figures live in docs/benchmarks.md.
const SECRET = 'unit-test-secret-0123456789-abcdefghij'
const user = { sub: 'alice', provider: 'mock' }

describe('HS256 access tokens signed with node:crypto', () => {
  it('are JWTs jose verifies with the secret: header, claims, iat, exp and jti as jose would set them', async () => {
    const service = createTokenService({ secret: SECRET, algorithm: 'HS256', issuer: 'https://app.example', audience: 'api', expiresIn: 900 })
    const before = Math.floor(Date.now() / 1000)
    const token = await service.sign({ sub: 'user-1', provider: 'mock', role: 'admin', tags: ['a', 'b'] })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt' })
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], issuer: 'https://app.example', audience: 'api', typ: 'at+jwt' })
    expect(payload).toMatchObject({ sub: 'user-1', provider: 'mock', role: 'admin', tags: ['a', 'b'], iss: 'https://app.example', aud: 'api' })
    expect(payload.iat).toBeGreaterThanOrEqual(before)
    expect(payload.exp! - payload.iat!).toBe(900)
    expect(payload.jti).toMatch(/^[\w-]{16}$/)
    expect(await service.verify(token)).toMatchObject({ sub: 'user-1', role: 'admin' })
  })

  it('are refused under another secret, and a changed payload breaks the signature', async () => {
    const service = createTokenService({ secret: SECRET, algorithm: 'HS256', issuer: 'https://app.example', expiresIn: 900 })
    const token = await service.sign({ sub: 'user-1', role: 'user' })
    const other = createTokenService({ secret: `${SECRET}-other`, algorithm: 'HS256', issuer: 'https://app.example', expiresIn: 900 })
    expect(await other.verify(token)).toBeUndefined()
    const [header, payload, signature] = token.split('.')
    const forged = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('"user"', '"root"')).toString('base64url')
    expect(await service.verify(`${header}.${forged}.${signature}`)).toBeUndefined()
  })
})

describe('the random pool', () => {
  it('hands out tokens of the asked size that never repeat, across refills of the pool', () => {
    const seen = new Set<string>()
    // 2,000 × 32 bytes: the 4 KiB pool is refilled many times.
    for (let i = 0; i < 2000; i++) seen.add(pooledRandomToken(32))
    expect(seen.size).toBe(2000)
    for (const token of seen) expect(token).toMatch(/^[\w-]{43}$/)
    const ivs = Array.from({ length: 500 }, () => pooledRandomBytes(12).toString('hex'))
    expect(new Set(ivs).size).toBe(500)
    expect(pooledRandomBytes(12)).toHaveLength(12)
  })
})

describe('successor sealing', () => {
  function rig() {
    let t = 1_700_000_000_000
    const storage = createStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 10, now: () => t })
    return { storage, sessions, tick: (ms: number) => (t += ms) }
  }

  it('a successor sealed by an older version (full HKDF key) is still handed to the predecessor inside the interval', async () => {
    const { storage, sessions, tick } = rig()
    const first = await sessions.create({ user, claims: {} })
    const second = await sessions.rotate(first.token)
    const [id, secret] = first.token.split('.') as [string, string]
    const key = `refresh:${id}`
    const parent = await storage.getItem<TokenRecord>(key)
    // As 0.1 sealed it: under the HKDF key of the parent's secret.
    await storage.setItem(key, { ...parent, successor: seal(deriveKey(secret, 'refresh-successor'), second.token, key) })
    tick(1000)
    expect((await sessions.rotate(first.token)).token).toBe(second.token)
  })

  it('the successor is sealed under a key of the parent\'s secret only: another secret does not open it, a replay outside the interval is reuse', async () => {
    const { storage, sessions, tick } = rig()
    const first = await sessions.create({ user, claims: {} })
    const second = await sessions.rotate(first.token)
    const [id] = first.token.split('.') as [string, string]
    const parent = await storage.getItem<TokenRecord>(`refresh:${id}`)
    expect(parent!.successor).not.toContain(second.token.split('.')[1])
    expect(unseal(deriveKey('another secret', 'refresh-successor'), parent!.successor!, `refresh:${id}`)).toBeUndefined()
    tick(11_000)
    await expect(sessions.rotate(first.token)).rejects.toMatchObject({ code: 'token_reused' })
    await expect(sessions.rotate(second.token)).rejects.toMatchObject({ statusCode: 401 })
  })

  it('parallel rotations of one token in one process (no lock taken) give one successor, and it rotates on', async () => {
    const { sessions } = rig()
    const first = await sessions.create({ user, claims: {} })
    const results = await Promise.all(Array.from({ length: 10 }, () => sessions.rotate(first.token)))
    expect(new Set(results.map(r => r.token)).size).toBe(1)
    expect((await sessions.rotate(results[0]!.token)).token).not.toBe(results[0]!.token)
  })
})
