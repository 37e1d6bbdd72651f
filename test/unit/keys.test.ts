import { generateKeyPairSync } from 'node:crypto'
import type { KeyPairKeyObjectResult } from 'node:crypto'
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { jwkThumbprint, loadSigningKeys, normalizePem, privateKeyProblem, publicKeyProblem } from '../../src/runtime/server/tokens/keys'
import { ACCESS_TOKEN_TYPE, createTokenService } from '../../src/runtime/server/tokens/tokens'

const pem = (pair: KeyPairKeyObjectResult) => ({
  private: String(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  public: String(pair.publicKey.export({ type: 'spki', format: 'pem' })),
})
const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }))
const rsaSmall = pem(generateKeyPairSync('rsa', { modulusLength: 1024 }))
const ec = pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }))
const ec384 = pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }))
const ed = pem(generateKeyPairSync('ed25519'))
const ed2 = pem(generateKeyPairSync('ed25519'))
const ISSUER = 'https://app.example'

describe('[JWT-5] signing keys', () => {
  it.each([['RS256', rsa], ['ES256', ec], ['EdDSA', ed]] as const)('%s: accepts a matching key', (alg, keys) => {
    expect(privateKeyProblem(keys.private, alg)).toBeUndefined()
  })

  it('refuses keys that do not fit: small RSA, wrong curve, wrong algorithm, not a key', () => {
    expect(privateKeyProblem(rsaSmall.private, 'RS256')).toMatch(/at least 2048 bits/)
    expect(privateKeyProblem(ec384.private, 'ES256')).toMatch(/P-256/)
    expect(privateKeyProblem(ec.private, 'RS256')).toMatch(/key for ES256, not RS256/)
    expect(privateKeyProblem('not a key', 'EdDSA')).toMatch(/not a PEM private key/)
    expect(privateKeyProblem(ec.public, 'ES256')).toMatch(/not a PEM private key/)
    expect(publicKeyProblem('nope')).toMatch(/not a PEM public key/)
    expect(publicKeyProblem(rsaSmall.public)).toMatch(/2048/)
  })

  it('problem messages never contain key material', () => {
    const body = ec.private.split('\n')[1]!
    for (const message of [privateKeyProblem(ec.private, 'RS256'), privateKeyProblem(`${ec.private}x`, 'ES256')]) {
      expect(message ?? '').not.toContain(body.slice(0, 20))
    }
  })

  it('reads PEMs with \\n escapes (env variables)', () => {
    expect(privateKeyProblem(ed.private.replace(/\n/g, '\\n'), 'EdDSA')).toBeUndefined()
    expect(normalizePem('a\\nb')).toBe('a\nb')
  })

  it('the kid is the RFC 7638 thumbprint (RFC 7638 §3.1 example)', () => {
    const example = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    }
    expect(jwkThumbprint(example)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
  })

  it('publishes only public members, with kid, alg and use', () => {
    const keys = loadSigningKeys(ec.private, 'ES256')
    expect(keys.jwks.keys).toHaveLength(1)
    const [jwk] = keys.jwks.keys
    expect(Object.keys(jwk!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: keys.kid })
  })

  it('throws on a key validateConfig would refuse', () => {
    expect(() => loadSigningKeys(rsaSmall.private, 'RS256')).toThrow(/2048/)
  })
})

describe('[JWT-5] asymmetric access tokens', () => {
  it.each([['RS256', rsa], ['ES256', ec], ['EdDSA', ed]] as const)('%s: signs with kid, verifies, and verifies with the published JWKS', async (alg, pair) => {
    const keys = loadSigningKeys(pair.private, alg)
    const service = createTokenService({ algorithm: alg, keys, issuer: ISSUER, expiresIn: 600 })
    const token = await service.sign({ sub: 'u1', role: 'admin' })
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: ACCESS_TOKEN_TYPE, kid: keys.kid })
    expect(await service.verify(token)).toMatchObject({ sub: 'u1', role: 'admin' })
    const { payload } = await jwtVerify(token, createLocalJWKSet(service.jwks), { issuer: ISSUER, algorithms: [alg] })
    expect(payload.sub).toBe('u1')
  })

  it('refuses a token signed by another key, without a kid, with an unknown kid, or with the alg of another key', async () => {
    const keys = loadSigningKeys(ed.private, 'EdDSA')
    const service = createTokenService({ algorithm: 'EdDSA', keys, issuer: ISSUER, expiresIn: 600 })
    const other = loadSigningKeys(ed2.private, 'EdDSA')
    const now = Math.floor(Date.now() / 1000)
    const craft = (header: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]) =>
      new SignJWT({ sub: 'u', iss: ISSUER, iat: now, exp: now + 60 }).setProtectedHeader({ typ: ACCESS_TOKEN_TYPE, alg: 'EdDSA', ...header }).sign(key)
    expect(await service.verify(await craft({ alg: 'EdDSA', kid: keys.kid }, other.privateKey))).toBeUndefined()
    expect(await service.verify(await craft({ alg: 'EdDSA' }, keys.privateKey))).toBeUndefined()
    expect(await service.verify(await craft({ alg: 'EdDSA', kid: 'unknown' }, keys.privateKey))).toBeUndefined()
    // HS256 "signed" with the public key's bytes (the classic key confusion) is refused.
    const publicBytes = new TextEncoder().encode(ed.public)
    expect(await service.verify(await craft({ alg: 'HS256', kid: keys.kid }, publicBytes))).toBeUndefined()
  })

  it('a previous public key keeps its tokens valid and is published next to the current one', async () => {
    const old = createTokenService({ algorithm: 'EdDSA', keys: loadSigningKeys(ed2.private, 'EdDSA'), issuer: ISSUER, expiresIn: 600 })
    const oldToken = await old.sign({ sub: 'u' })
    const keys = loadSigningKeys(rsa.private, 'RS256', [ed2.public])
    const service = createTokenService({ algorithm: 'RS256', keys, issuer: ISSUER, expiresIn: 600 })
    expect(service.jwks.keys.map(k => k.alg)).toEqual(['RS256', 'EdDSA'])
    expect(await service.verify(oldToken)).toMatchObject({ sub: 'u' })
    expect(decodeProtectedHeader(await service.sign({ sub: 'u' })).alg).toBe('RS256')
    // Without the previous key, the old token is refused.
    const fresh = createTokenService({ algorithm: 'RS256', keys: loadSigningKeys(rsa.private, 'RS256'), issuer: ISSUER, expiresIn: 600 })
    expect(await fresh.verify(oldToken)).toBeUndefined()
  })

  it('an HS256 service publishes no keys; a service refuses a mismatched configuration', () => {
    expect(createTokenService({ algorithm: 'HS256', secret: 'x'.repeat(32), issuer: ISSUER, expiresIn: 60 }).jwks.keys).toEqual([])
    expect(() => createTokenService({ algorithm: 'ES256', keys: loadSigningKeys(ed.private, 'EdDSA'), issuer: ISSUER, expiresIn: 60 })).toThrow()
    expect(() => createTokenService({ algorithm: 'HS256', issuer: ISSUER, expiresIn: 60 })).toThrow()
  })
})
