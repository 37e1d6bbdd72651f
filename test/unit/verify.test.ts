import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AegisVerificationError, createAegisVerifier } from '../../src/verify'
import { loadSigningKeys } from '../../src/runtime/server/tokens/keys'
import { createTokenService } from '../../src/runtime/server/tokens/tokens'

const ISSUER = 'https://app.example'
const pem = () => String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))
const keys = loadSigningKeys(pem(), 'EdDSA')
const other = loadSigningKeys(pem(), 'EdDSA')
const app = createTokenService({ algorithm: 'EdDSA', keys, issuer: ISSUER, audience: 'api', expiresIn: 600 })
const SECRET = 'verify-unit-secret-0123456789abcdefghij'
const now = () => Math.floor(Date.now() / 1000)

/** A token crafted with jose, so each test breaks exactly one property. */
function craft(options: { header?: Record<string, unknown>, payload?: Record<string, unknown>, key?: Parameters<SignJWT['sign']>[0] } = {}) {
  const t = now()
  const payload = Object.fromEntries(Object.entries({ sub: 'u1', iss: ISSUER, aud: 'api', iat: t, exp: t + 600, ...options.payload }).filter(([, v]) => v !== undefined))
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.kid, ...options.header }).sign(options.key ?? keys.privateKey)
}

let server: Server
let jwksUrl: string
let jwksFetches = 0

beforeAll(async () => {
  server = createServer((_req, res) => {
    jwksFetches++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(app.jwks))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/jwks`
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

async function refused(promise: Promise<unknown>, code = 'invalid_token') {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisVerificationError)
  expect(error).toMatchObject({ code })
}

describe('[VERIFY-1] createAegisVerifier with the app\'s JWKS', () => {
  const verifier = () => createAegisVerifier({ jwksUrl, issuer: ISSUER, audience: 'api', maxTokenAge: 600 })

  it('accepts a token the app signed and returns its claims', async () => {
    const token = await app.sign({ sub: 'u1', role: 'admin' })
    expect(await verifier().verify(token)).toMatchObject({ sub: 'u1', role: 'admin', iss: ISSUER })
  })

  it.each([
    ['expired', { payload: { exp: now() - 60, iat: now() - 700 } }],
    ['wrong iss', { payload: { iss: 'https://evil.example' } }],
    ['wrong aud', { payload: { aud: 'other' } }],
    ['missing sub', { payload: { sub: undefined } }],
    ['missing exp', { payload: { exp: undefined } }],
    ['missing iat', { payload: { iat: undefined } }],
    ['older than maxTokenAge', { payload: { iat: now() - 3600, exp: now() + 60 } }],
    ['another typ (an ID token)', { header: { typ: 'JWT' } }],
    ['signed by another key under our kid', { key: other.privateKey }],
    ['an unknown kid', { header: { kid: 'unknown' } }],
  ] as const)('refuses a token with %s', async (_name, options) => {
    await refused(verifier().verify(await craft(options as Parameters<typeof craft>[0])))
  })

  it('refuses alg none, a tampered payload and an HS256 token keyed with the public key', async () => {
    const good = await craft()
    const [h, , s] = good.split('.')
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    await refused(verifier().verify(`${part({ alg: 'none', typ: 'at+jwt' })}.${part({ sub: 'u1', iss: ISSUER, aud: 'api', iat: now(), exp: now() + 60 })}.`))
    await refused(verifier().verify(`${h}.${part({ sub: 'admin', iss: ISSUER, aud: 'api', iat: now(), exp: now() + 60 })}.${s}`))
    const publicJwk = JSON.stringify(await exportJWK(keys.verification.get(keys.kid)!.key))
    await refused(verifier().verify(await craft({ header: { alg: 'HS256' }, key: new TextEncoder().encode(publicJwk) })))
  })

  it('verifyRequest reads Bearer from Node headers and Fetch headers; missing and malformed have their own codes', async () => {
    const token = await app.sign({ sub: 'u2' })
    expect(await verifier().verifyRequest({ headers: { authorization: `bearer ${token}` } })).toMatchObject({ sub: 'u2' })
    expect(await verifier().verifyRequest(new Request('http://x/', { headers: { authorization: `Bearer ${token}` } }))).toMatchObject({ sub: 'u2' })
    await refused(verifier().verifyRequest({ headers: {} }), 'missing_token')
    await refused(verifier().verifyRequest({ headers: { authorization: 'Basic abc' } }), 'malformed_header')
    await refused(verifier().verifyRequest({ headers: { authorization: 'Bearer a b' } }), 'malformed_header')
  })

  it('fetches the JWKS once for many verifications', async () => {
    const v = verifier()
    const before = jwksFetches
    for (let i = 0; i < 5; i++) await v.verify(await app.sign({ sub: `u${i}` }))
    expect(jwksFetches - before).toBe(1)
  })
})

describe('[VERIFY-1] createAegisVerifier with an HS256 secret', () => {
  it('accepts HS256 with the secret, refuses another secret and asymmetric tokens', async () => {
    const hs = createTokenService({ algorithm: 'HS256', secret: SECRET, issuer: ISSUER, expiresIn: 600 })
    const verifier = createAegisVerifier({ secret: SECRET, issuer: ISSUER })
    expect(await verifier.verify(await hs.sign({ sub: 'h1' }))).toMatchObject({ sub: 'h1' })
    const guessed = createTokenService({ algorithm: 'HS256', secret: 'x'.repeat(40), issuer: ISSUER, expiresIn: 600 })
    await refused(verifier.verify(await guessed.sign({ sub: 'h1' })))
    await refused(verifier.verify(await app.sign({ sub: 'h1' })))
  })

  it('refuses unsafe configurations at creation', () => {
    expect(() => createAegisVerifier({ issuer: ISSUER })).toThrow(/exactly one of jwksUrl or secret/)
    expect(() => createAegisVerifier({ issuer: ISSUER, secret: SECRET, jwksUrl })).toThrow(/exactly one/)
    expect(() => createAegisVerifier({ issuer: ISSUER, secret: 'short' })).toThrow(/32 bytes/)
    expect(() => createAegisVerifier({ issuer: ISSUER, jwksUrl, algorithms: ['HS256'] })).toThrow(/no HS\* algorithm/)
    expect(() => createAegisVerifier({ issuer: ISSUER, secret: SECRET, algorithms: ['RS256'] })).toThrow(/HS\* algorithms only/)
    expect(() => createAegisVerifier({ issuer: ISSUER, jwksUrl, algorithms: ['none'] })).toThrow(/never accepted/)
    expect(() => createAegisVerifier({ issuer: '', jwksUrl })).toThrow(/issuer/)
  })
})
