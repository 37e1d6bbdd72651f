import { generateKeyPairSync } from 'node:crypto'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, startExpectingFailure, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { loginSession } from '../support/http'

const baseUrl = inject('baseUrl')
const keyPem = (type: 'ec' | 'rsa', options: object) =>
  String(generateKeyPairSync(type as 'ec', options as { namedCurve: string }).privateKey.export({ type: 'pkcs8', format: 'pem' }))

describe('[JWT-5] asymmetric access tokens and GET /auth/jwks', () => {
  let es: RunningServer
  const privateKey = keyPem('ec', { namedCurve: 'prime256v1' })

  beforeAll(async () => {
    es = await startServer({
      NUXT_AEGIS_TOKEN_ALGORITHM: 'ES256',
      // As an env variable usually carries it: one line with \n escapes.
      NUXT_AEGIS_TOKEN_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
    })
  }, 60_000)

  afterAll(async () => {
    await es?.stop()
  })

  it('an HS256 app has no JWKS: 404 JSON', async () => {
    const response = await fetch(new URL('/auth/jwks', baseUrl))
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'not_found', message: expect.any(String) })
  })

  it('publishes the public key, cacheable, without private members', async () => {
    const response = await fetch(new URL('/auth/jwks', es.url))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    const jwks = await response.json() as { keys: Array<Record<string, string>> }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(jwks.keys[0]!.d).toBeUndefined()
  })

  it('a login gets an ES256 token with kid that another service verifies with the JWKS alone; the app accepts it', async () => {
    const session = await loginSession(es.url, 'alice')
    const header = decodeProtectedHeader(session.token)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) })
    const { payload } = await jwtVerify(session.token, createRemoteJWKSet(new URL('/auth/jwks', es.url)), { issuer: 'nuxt-aegis', audience: 'aegis-tests', algorithms: ['ES256'], typ: 'at+jwt' })
    expect(payload.sub).toBe('mock-alice')
    const me = await fetch(new URL('/api/user/me', es.url), { headers: { authorization: `Bearer ${session.token}` } })
    expect(me.status).toBe(200)
  })

  it('an HS256 token (from the HS256 app) is refused by the ES256 app, and the other way round', async () => {
    const hs = await loginSession(baseUrl, 'alice')
    const es256 = await loginSession(es.url, 'alice')
    expect((await fetch(new URL('/api/user/me', es.url), { headers: { authorization: `Bearer ${hs.token}` } })).status).toBe(401)
    expect((await fetch(new URL('/api/user/me', baseUrl), { headers: { authorization: `Bearer ${es256.token}` } })).status).toBe(401)
  })

  it('refuses to start with an RSA key under 2048 bits, naming the env variable and not the key', async () => {
    const weak = keyPem('rsa', { modulusLength: 1024 })
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_TOKEN_ALGORITHM: 'RS256', NUXT_AEGIS_TOKEN_PRIVATE_KEY: weak })
    expect(code).not.toBe(0)
    expect(output).toContain('NUXT_AEGIS_TOKEN_PRIVATE_KEY')
    expect(output).toContain('2048')
    expect(output).not.toContain(weak.split('\n')[1]!.slice(0, 24))
  })
})
