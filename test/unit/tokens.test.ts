import { SignJWT, decodeProtectedHeader, decodeJwt } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ACCESS_TOKEN_TYPE, createTokenService, parseBearer } from '../../src/runtime/server/tokens/tokens'
import type { TokenServiceOptions } from '../../src/runtime/server/tokens/tokens'

const SECRET = 'unit-test-secret-0123456789-abcdefghij'
const ISSUER = 'https://app.example'
const base: TokenServiceOptions = { secret: SECRET, algorithm: 'HS256', issuer: ISSUER, expiresIn: 900 }
const key = new TextEncoder().encode(SECRET)
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A JWT crafted with jose directly, so each test can break exactly one property. */
function craft(options: { header?: Record<string, unknown>, payload?: Record<string, unknown>, secret?: string } = {}) {
  const now = nowSeconds()
  // A claim set to undefined is left out of the token.
  const payload = Object.fromEntries(Object.entries({ sub: 'user-1', iss: ISSUER, iat: now, exp: now + 900, ...options.payload }).filter(([, value]) => value !== undefined))
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, ...options.header } as { alg: string })
    .sign(new TextEncoder().encode(options.secret ?? SECRET))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('[JWT-1] access token sign / verify', () => {
  it('round-trips with typ at+jwt, HS256, iss, iat, exp, jti and the claims', async () => {
    const service = createTokenService(base)
    const token = await service.sign({ sub: 'user-1', provider: 'mock', role: 'admin', tags: ['a', 'b'] })
    const header = decodeProtectedHeader(token)
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' })
    const claims = await service.verify(token)
    expect(claims).toMatchObject({ sub: 'user-1', provider: 'mock', role: 'admin', tags: ['a', 'b'], iss: ISSUER })
    expect(claims!.exp! - claims!.iat!).toBe(900)
    expect(claims!.jti).toMatch(/^[\w-]{16}$/)
    expect(claims!.aud).toBeUndefined()
    expect(service.expiresIn).toBe(900)
  })

  it('accepts a crafted token with the right properties (so the negative cases below test one thing each)', async () => {
    await expect(createTokenService(base).verify(await craft())).resolves.toMatchObject({ sub: 'user-1' })
  })

  it('sets and checks the audience when configured', async () => {
    const service = createTokenService({ ...base, audience: 'my-api' })
    const token = await service.sign({ sub: 'u' })
    expect(decodeJwt(token).aud).toBe('my-api')
    expect(await service.verify(token)).toMatchObject({ sub: 'u', aud: 'my-api' })
    expect(await service.verify(await craft({ payload: { aud: 'other-api' } }))).toBeUndefined()
    expect(await service.verify(await craft())).toBeUndefined()
  })

  it('rejects an alg=none token', async () => {
    const now = nowSeconds()
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const none = `${part({ alg: 'none', typ: 'at+jwt' })}.${part({ sub: 'u', iss: ISSUER, iat: now, exp: now + 60 })}.`
    expect(await createTokenService(base).verify(none)).toBeUndefined()
  })

  it('rejects another algorithm signed with the same secret (HS512, HS384)', async () => {
    const service = createTokenService(base)
    expect(await service.verify(await craft({ header: { alg: 'HS512' } }))).toBeUndefined()
    expect(await service.verify(await craft({ header: { alg: 'HS384' } }))).toBeUndefined()
  })

  it('rejects a JWT of another type signed with the same key', async () => {
    const service = createTokenService(base)
    expect(await service.verify(await craft({ header: { typ: 'JWT' } }))).toBeUndefined()
    expect(await service.verify(await craft({ header: { typ: 'id+jwt' } }))).toBeUndefined()
    const noTyp = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setIssuedAt().setExpirationTime('5m').sign(key)
    expect(await service.verify(noTyp)).toBeUndefined()
  })

  it('rejects a wrong issuer', async () => {
    expect(await createTokenService(base).verify(await craft({ payload: { iss: 'https://evil.example' } }))).toBeUndefined()
    const other = createTokenService({ ...base, issuer: 'https://other.example' })
    expect(await createTokenService(base).verify(await other.sign({ sub: 'u' }))).toBeUndefined()
  })

  it('rejects an expired token', async () => {
    const now = nowSeconds()
    expect(await createTokenService(base).verify(await craft({ payload: { iat: now - 1000, exp: now - 60 } }))).toBeUndefined()
  })

  it('rejects a token whose signature does not match (tampered payload, wrong secret)', async () => {
    const service = createTokenService(base)
    const token = await service.sign({ sub: 'user-1', role: 'user' })
    const [header, , signature] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), role: 'admin' })).toString('base64url')
    expect(await service.verify(`${header}.${forged}.${signature}`)).toBeUndefined()
    expect(await service.verify(await craft({ secret: 'another-secret-0123456789-abcdefghijkl' }))).toBeUndefined()
    const otherService = createTokenService({ ...base, secret: 'another-secret-0123456789-abcdefghijkl' })
    expect(await service.verify(await otherService.sign({ sub: 'u' }))).toBeUndefined()
  })

  it('requires sub, iat, exp and iss', async () => {
    const service = createTokenService(base)
    expect(await service.verify(await craft({ payload: { sub: undefined } }))).toBeUndefined()
    expect(await service.verify(await craft({ payload: { iat: undefined } }))).toBeUndefined()
    expect(await service.verify(await craft({ payload: { exp: undefined } }))).toBeUndefined()
    expect(await service.verify(await craft({ payload: { iss: undefined } }))).toBeUndefined()
  })

  it('rejects a token older than the maximum age even when exp is far away', async () => {
    const now = nowSeconds()
    const old = await craft({ payload: { iat: now - 7200, exp: now + 3600 } })
    expect(await createTokenService(base).verify(old)).toBeUndefined()
  })

  it('rejects a token issued in the future beyond the clock tolerance', async () => {
    const now = nowSeconds()
    expect(await createTokenService(base).verify(await craft({ payload: { iat: now + 600, exp: now + 1500 } }))).toBeUndefined()
  })

  it('returns undefined, never throws, for garbage', async () => {
    const service = createTokenService(base)
    for (const garbage of ['', 'x', 'a.b.c', '...', 'eyJhbGciOiJIUzI1NiJ9.e30.', `${'a'.repeat(5000)}.b.c`, '\u0000.\u0001.\u0002']) {
      await expect(service.verify(garbage)).resolves.toBeUndefined()
    }
    await expect(service.verify(undefined as unknown as string)).resolves.toBeUndefined()
  })

  it('the verified-token cache honours exp', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
    const service = createTokenService({ ...base, expiresIn: 60 })
    const token = await service.sign({ sub: 'u' })
    expect(await service.verify(token)).toMatchObject({ sub: 'u' })
    vi.advanceTimersByTime(30_000)
    expect(await service.verify(token)).toMatchObject({ sub: 'u' })
    expect(service.verifyBearerCached(`Bearer ${token}`)).toMatchObject({ sub: 'u' })
    // Past exp plus the 5 s clock tolerance: the cached entry must not keep it alive.
    vi.advanceTimersByTime(40_000)
    expect(service.verifyBearerCached(`Bearer ${token}`)).toBeUndefined()
    expect(await service.verify(token)).toBeUndefined()
    expect(await service.verify(token)).toBeUndefined()
  })

  it('the cache is bounded and evicted tokens are verified again', async () => {
    const service = createTokenService({ ...base, cacheSize: 2 })
    const tokens = await Promise.all([1, 2, 3].map(i => service.sign({ sub: `u${i}` })))
    for (const token of tokens) expect(await service.verify(token)).toBeDefined()
    for (const token of tokens) expect(await service.verify(token)).toMatchObject({ sub: expect.stringMatching(/^u\d$/) })
  })

  it('verifyCached answers only for tokens verify accepted before, and bounds the cache', async () => {
    const service = createTokenService({ ...base, cacheSize: 2 })
    const tokens = await Promise.all([1, 2, 3].map(i => service.sign({ sub: `u${i}` })))
    expect(service.verifyCached(tokens[0]!)).toBeUndefined()
    for (const token of tokens) expect(await service.verify(token)).toBeDefined()
    // The oldest was evicted when the third came in; the two newest are cached.
    expect(service.verifyCached(tokens[0]!)).toBeUndefined()
    expect(service.verifyCached(tokens[1]!)).toMatchObject({ sub: 'u2' })
    expect(service.verifyCached(tokens[2]!)).toMatchObject({ sub: 'u3' })
  })

  it('a token with a cached token\'s signature but another header or payload is never served from the cache', async () => {
    const service = createTokenService(base)
    const token = await service.sign({ sub: 'u', role: 'user' })
    await service.verify(token)
    const [header, payload, signature] = token.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(token), role: 'admin' })).toString('base64url')
    for (const forged of [`${header}.${forgedPayload}.${signature}`, `${header}x.${payload}.${signature}`, `.${signature}`, signature!]) {
      expect(service.verifyCached(forged)).toBeUndefined()
      expect(await service.verify(forged)).toBeUndefined()
    }
    expect(service.verifyCached(token)).toMatchObject({ role: 'user' })
  })

  it('verifyBearerCached answers only for exactly `Bearer <a token verified before>`; anything else goes the slow way', async () => {
    const service = createTokenService(base)
    const token = await service.sign({ sub: 'u', role: 'user' })
    expect(service.verifyBearerCached(`Bearer ${token}`)).toBeUndefined()
    await service.verify(token)
    expect(service.verifyBearerCached(`Bearer ${token}`)).toMatchObject({ sub: 'u', role: 'user' })
    const [header, , signature] = token.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(token), role: 'admin' })).toString('base64url')
    for (const other of [`bearer ${token}`, `Bearer  ${token}`, `Bearer ${token} `, token, `Basic ${token}`, `Bearer ${header}.${forgedPayload}.${signature}`, `Bearer .${signature}`, `x${signature}`, '']) {
      expect(service.verifyBearerCached(other)).toBeUndefined()
    }
  })

  it('verifyCached never answers for a token verify refused', async () => {
    const service = createTokenService(base)
    const foreign = await craft({ secret: 'another-secret-0123456789-abcdefghijklmn' })
    expect(await service.verify(foreign)).toBeUndefined()
    expect(service.verifyCached(foreign)).toBeUndefined()
  })

  it('verifyCached honours exp (with the clock tolerance) and forgets the token afterwards', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
    const service = createTokenService({ ...base, expiresIn: 60 })
    const token = await service.sign({ sub: 'u' })
    await service.verify(token)
    vi.advanceTimersByTime(64_000)
    expect(service.verifyCached(token)).toMatchObject({ sub: 'u' })
    vi.advanceTimersByTime(1_000)
    expect(service.verifyCached(token)).toBeUndefined()
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    // Removed, not just hidden: even with the clock back it is not served from the cache.
    expect(service.verifyCached(token)).toBeUndefined()
  })

  it('verified claims are frozen so a caller cannot change the cached copy', async () => {
    const service = createTokenService(base)
    const token = await service.sign({ sub: 'u', role: 'user' })
    const claims = await service.verify(token)
    expect(() => {
      (claims as Record<string, unknown>).role = 'admin'
    }).toThrow(TypeError)
    expect((await service.verify(token))!.role).toBe('user')
  })
})

describe('[JWT-2] parseBearer', () => {
  it('is undefined when the header is absent', () => {
    expect(parseBearer(undefined)).toBeUndefined()
    expect(parseBearer(null)).toBeUndefined()
    expect(parseBearer('')).toBeUndefined()
  })

  it('reads the token with a case-insensitive scheme', () => {
    expect(parseBearer('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(parseBearer('bearer abc')).toBe('abc')
    expect(parseBearer('BEARER abc')).toBe('abc')
    expect(parseBearer('BeArEr abc')).toBe('abc')
    expect(parseBearer('Bearer   abc')).toBe('abc')
    expect(parseBearer('  Bearer abc  ')).toBe('abc')
    expect(parseBearer('Bearer a-b_c~d+e/f==')).toBe('a-b_c~d+e/f==')
  })

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['scheme only', 'Bearer'],
    ['scheme and space', 'Bearer '],
    ['two tokens', 'Bearer abc def'],
    ['no space', 'Bearerabc'],
    ['comma list', 'Bearer abc, Bearer def'],
    ['invalid characters', 'Bearer abc<script>'],
    ['padding in the middle', 'Bearer ab=c'],
    ['tab separator', 'Bearer\tabc'],
    ['token only', 'abc.def.ghi'],
    ['over-long', `Bearer ${'a'.repeat(8193)}`],
  ])('is null for a malformed header: %s', (_label, header) => {
    expect(parseBearer(header)).toBeNull()
  })

  it('accepts a token at the length limit', () => {
    expect(parseBearer(`Bearer ${'a'.repeat(8192)}`)).toHaveLength(8192)
  })
})
