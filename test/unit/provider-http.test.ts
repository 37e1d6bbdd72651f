/**
 * The engine's HTTP to providers (timeouts, size caps, no redirects) and its rules for
 * issuers (https, http only on loopback), against a real local HTTP server.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProviderHttpError, createBoundedFetch, isLoopbackHttp } from '../../src/runtime/server/oauth/fetch'
import { checkIssuer, clearMetadataCache, providerMetadata } from '../../src/runtime/server/oauth/metadata'
import type { OAuthProviderDefinition } from '../../src/runtime/server/oauth/types'

let server: Server
let base = ''
const hits: Record<string, number> = {}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/'
    hits[path] = (hits[path] ?? 0) + 1
    if (path === '/hang') return // never answers
    if (path === '/big-declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000000' })
      return res.end()
    }
    if (path === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'application/json' })
      for (let i = 0; i < 20; i++) res.write('x'.repeat(100_000))
      return res.end()
    }
    if (path === '/redirect') {
      res.writeHead(302, { location: '/target' })
      return res.end()
    }
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks` }))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

async function failure(promise: Promise<unknown>): Promise<ProviderHttpError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ProviderHttpError)
  return error as ProviderHttpError
}

describe('[OIDC-8] bounded provider fetch', () => {
  it('returns a small answer as a readable Response', async () => {
    const response = await createBoundedFetch()(`${base}/ok`, { method: 'GET' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('gives up on a provider that never answers', async () => {
    expect((await failure(createBoundedFetch({ timeoutMs: 200 })(`${base}/hang`, { method: 'GET' }))).reason).toBe('timeout')
  })

  it('refuses answers above the size cap, declared or streamed', async () => {
    const fetcher = createBoundedFetch({ maxBytes: 1_000_000 })
    expect((await failure(fetcher(`${base}/big-declared`, { method: 'GET' }))).reason).toBe('too_large')
    expect((await failure(fetcher(`${base}/big-chunked`, { method: 'GET' }))).reason).toBe('too_large')
  })

  it('does not follow redirects', async () => {
    const before = hits['/target'] ?? 0
    expect((await failure(createBoundedFetch()(`${base}/redirect`, { method: 'GET' }))).reason).toBe('redirect')
    expect(hits['/target'] ?? 0).toBe(before)
  })

  it('serves the local origin in process and everything else over the network', async () => {
    const seen: string[] = []
    const fetcher = createBoundedFetch({ local: { origin: 'https://app.example', fetch: async (path) => {
      seen.push(path)
      return new Response('{"local":true}', { headers: { 'content-type': 'application/json' } })
    } } })
    expect(await (await fetcher('https://app.example/auth/mock/token?x=1', { method: 'POST' })).json()).toEqual({ local: true })
    expect(seen).toEqual(['/auth/mock/token?x=1'])
    expect(await (await fetcher(`${base}/ok`, { method: 'GET' })).json()).toEqual({ ok: true })
  })
})

describe('[OIDC-9] issuers: https, or http on loopback only', () => {
  it.each(['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'])('%s is loopback', (url) => {
    expect(isLoopbackHttp(new URL(url))).toBe(true)
    expect(checkIssuer(url).origin).toBe(new URL(url).origin)
  })

  it.each(['http://idp.example.com', 'http://10.0.0.1', 'http://127.0.0.1.evil.example', 'ftp://idp.example', 'https://idp.example/?x=1', 'https://user:pw@idp.example', 'not a url'])('%s is refused', (url) => {
    expect(() => checkIssuer(url)).toThrow()
  })

  it('discovery is fetched once and cached; a failed one is retried', async () => {
    clearMetadataCache()
    const def: OAuthProviderDefinition = { name: 'local', issuer: () => base, defaultScopes: ['openid'], profile: () => ({ sub: 'x' }) }
    const before = hits['/.well-known/openid-configuration'] ?? 0
    const fetcher = createBoundedFetch()
    const first = await providerMetadata(def, { clientId: 'c' }, { origin: 'https://app.example', authPath: '/auth' }, fetcher)
    const second = await providerMetadata(def, { clientId: 'c' }, { origin: 'https://app.example', authPath: '/auth' }, fetcher)
    expect(second).toBe(first)
    expect(first.token_endpoint).toBe(`${base}/token`)
    expect(hits['/.well-known/openid-configuration']).toBe(before + 1)

    const broken: OAuthProviderDefinition = { ...def, name: 'broken', issuer: () => `${base}/nothing-here` }
    await expect(providerMetadata(broken, { clientId: 'c' }, { origin: 'https://app.example', authPath: '/auth' }, fetcher)).rejects.toThrow()
    await expect(providerMetadata(broken, { clientId: 'c' }, { origin: 'https://app.example', authPath: '/auth' }, fetcher)).rejects.toThrow()
    expect(hits['/nothing-here/.well-known/openid-configuration']).toBe(2)
  })
})
