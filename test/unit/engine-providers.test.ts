/**
 * Provider declarations through the whole engine, with provider-shaped answers played by a
 * fake fetch (real RS256 signatures from jose): Entra's issuer template filled with `tid`,
 * Google's `hd` enforced on the validated ID token.
 */
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { AegisError } from '../../src/runtime/server/core/errors'
import { completeLogin } from '../../src/runtime/server/oauth/engine'
import type { Fetcher } from '../../src/runtime/server/oauth/fetch'
import { clearMetadataCache } from '../../src/runtime/server/oauth/metadata'
import { googleProvider } from '../../src/runtime/server/oauth/providers/google'
import { microsoftProvider } from '../../src/runtime/server/oauth/providers/microsoft'
import { createTransaction } from '../../src/runtime/server/oauth/transaction'
import type { ProviderConfig } from '../../src/runtime/server/oauth/types'

const ctx = { origin: 'https://app.example', authPath: '/auth' }
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const OTHER_TID = '11111111-2222-3333-4444-555555555555'
let privateKey: CryptoKey
let jwks: { keys: unknown[] }

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true })
  privateKey = pair.privateKey
  jwks = { keys: [{ ...await exportJWK(pair.publicKey), kid: 'entra-1', alg: 'RS256', use: 'sig' }] }
})

function entra(claims: (nonce: string) => Record<string, unknown>, seen: string[] = []) {
  return (nonce: string): Fetcher => async (url) => {
    seen.push(url)
    if (url.endsWith('/discovery/v2.0/keys')) return Response.json(jwks)
    const now = Math.floor(Date.now() / 1000)
    const idToken = await new SignJWT({ aud: 'cid', iat: now, exp: now + 3600, nonce, ...claims(nonce) })
      .setProtectedHeader({ alg: 'RS256', kid: 'entra-1' })
      .sign(privateKey)
    return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, id_token: idToken })
  }
}

async function login(config: ProviderConfig, fetcherFor: (nonce: string) => Fetcher) {
  clearMetadataCache()
  const tx = createTransaction('microsoft', undefined)
  return completeLogin(microsoftProvider, config, tx, new URLSearchParams({ state: tx.state, code: 'c' }), ctx, fetcherFor(tx.nonce))
}

const base = { sub: 'pairwise-sub', oid: '00000000-0000-0000-66f3-3332eca7ea81', name: 'Megan', email: 'megan@contoso.com' }

describe('[PROV-3] Entra ID multi-tenant issuer', () => {
  it('accepts a token whose iss is the template filled with its own tid; no userinfo call', async () => {
    const seen: string[] = []
    const result = await login({ clientId: 'cid', clientSecret: 's' }, entra(() => ({ ...base, tid: TID, iss: `https://login.microsoftonline.com/${TID}/v2.0` }), seen))
    expect(result.profile).toMatchObject({ sub: 'pairwise-sub', tid: TID, oid: base.oid, email: 'megan@contoso.com', email_verified: false })
    expect(seen.some(url => url.includes('graph.microsoft.com'))).toBe(false)
    expect(seen[0]).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token')
    // The signature was checked against the tenant's keys.
    expect(seen).toContain('https://login.microsoftonline.com/common/discovery/v2.0/keys')
  })

  it.each([
    ['iss of another tenant than tid', { tid: TID, iss: `https://login.microsoftonline.com/${OTHER_TID}/v2.0` }],
    ['the unfilled template as iss', { tid: TID, iss: 'https://login.microsoftonline.com/{tenantid}/v2.0' }],
    ['no tid', { iss: `https://login.microsoftonline.com/${TID}/v2.0` }],
    ['a tid that is not a GUID', { tid: 'evil/../x', iss: 'https://login.microsoftonline.com/evil/../x/v2.0' }],
  ])('refuses %s', async (_label, extra) => {
    const error = await login({ clientId: 'cid', clientSecret: 's' }, entra(() => ({ ...base, ...extra }))).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(AegisError)
    expect(error).toMatchObject({ code: 'invalid_id_token' })
  })

  it('two logins share the cached JWKS: the tenant keys are fetched once (the issuer check works on one cached copy)', async () => {
    const seen: string[] = []
    const fetcher = entra(() => ({ ...base, tid: TID, iss: `https://login.microsoftonline.com/${TID}/v2.0` }), seen)
    const config = { clientId: 'cid', clientSecret: 's' }
    clearMetadataCache()
    for (let i = 0; i < 2; i++) {
      const tx = createTransaction('microsoft', undefined)
      const result = await completeLogin(microsoftProvider, config, tx, new URLSearchParams({ state: tx.state, code: 'c' }), ctx, fetcher(tx.nonce))
      expect(result.profile.tid).toBe(TID)
    }
    expect(seen.filter(url => url.endsWith('/oauth2/v2.0/token'))).toHaveLength(2)
    expect(seen.filter(url => url.endsWith('/discovery/v2.0/keys'))).toHaveLength(1)
  })

  it('a single-tenant app (tenant id configured) refuses a valid token of another tenant', async () => {
    const token = entra(() => ({ ...base, tid: OTHER_TID, iss: `https://login.microsoftonline.com/${OTHER_TID}/v2.0` }))
    const error = await login({ clientId: 'cid', clientSecret: 's', tenant: TID }, token).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'invalid_id_token' })
    const ok = await login({ clientId: 'cid', clientSecret: 's', tenant: TID }, entra(() => ({ ...base, tid: TID, iss: `https://login.microsoftonline.com/${TID}/v2.0` })))
    expect(ok.profile.tid).toBe(TID)
  })
})

describe('[PROV-1] Google hd through the engine', () => {
  const GOOGLE = 'https://accounts.google.com'
  function google(hd: string | undefined, seen: string[]) {
    return (nonce: string): Fetcher => async (url) => {
      seen.push(url)
      if (url === `${GOOGLE}/.well-known/openid-configuration`) {
        return Response.json({
          issuer: GOOGLE,
          authorization_endpoint: `${GOOGLE}/o/oauth2/v2/auth`,
          token_endpoint: 'https://oauth2.googleapis.com/token',
          userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
          jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
          id_token_signing_alg_values_supported: ['RS256'],
          authorization_response_iss_parameter_supported: true,
        })
      }
      if (url.endsWith('/certs')) return Response.json(jwks)
      if (url.endsWith('/userinfo')) return Response.json({ sub: '1101', email: 'jane@example.com', email_verified: true, ...(hd ? { hd } : {}) })
      const now = Math.floor(Date.now() / 1000)
      const idToken = await new SignJWT({ iss: GOOGLE, aud: 'cid', azp: 'cid', sub: '1101', iat: now, exp: now + 3600, nonce, email: 'jane@example.com', email_verified: true, ...(hd ? { hd } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid: 'entra-1' })
        .sign(privateKey)
      return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, id_token: idToken })
    }
  }

  async function googleLogin(config: ProviderConfig, hd: string | undefined, seen: string[] = []) {
    clearMetadataCache()
    const tx = createTransaction('google', undefined)
    const callback = new URLSearchParams({ state: tx.state, code: 'c', iss: GOOGLE })
    return completeLogin(googleProvider, config, tx, callback, ctx, google(hd, seen)(tx.nonce))
  }

  it('a Workspace account of the configured hd logs in', async () => {
    const result = await googleLogin({ clientId: 'cid', clientSecret: 's', hd: 'example.com' }, 'example.com')
    expect(result.profile).toMatchObject({ sub: '1101', hd: 'example.com', email: 'jane@example.com', email_verified: true })
  })

  it.each([['another domain', 'other.com'], ['a personal account', undefined]])('%s is refused before userinfo', async (_label, hd) => {
    const seen: string[] = []
    const error = await googleLogin({ clientId: 'cid', clientSecret: 's', hd: 'example.com' }, hd, seen).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'login_failed' })
    expect(seen.some(url => url.endsWith('/userinfo'))).toBe(false)
  })

  it('without hd configured any account logs in', async () => {
    expect((await googleLogin({ clientId: 'cid', clientSecret: 's' }, undefined)).profile.sub).toBe('1101')
  })
})
