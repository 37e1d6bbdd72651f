/**
 * A discovery document comes from the issuer: a misconfigured or hostile one must not send the
 * code, the client secret or a bearer token to internal services (blind SSRF) or to hosts that
 * are not the issuer's. Discovery played by a fake fetch; the rules also as a pure function.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { checkDiscoveredEndpoint, endpointHostAllowed, endpointHostList } from '../../src/runtime/server/oauth/endpoint-policy'
import type { Fetcher } from '../../src/runtime/server/oauth/fetch'
import { clearMetadataCache, providerMetadata } from '../../src/runtime/server/oauth/metadata'
import { auth0Provider } from '../../src/runtime/server/oauth/providers/auth0'
import { googleProvider } from '../../src/runtime/server/oauth/providers/google'
import { oidcProvider } from '../../src/runtime/server/oauth/providers/oidc'
import type { OAuthProviderDefinition, ProviderConfig } from '../../src/runtime/server/oauth/types'

const ctx = { origin: 'https://app.example', authPath: '/auth' }
const IDP = 'https://idp.example.com'

/** A fetcher that answers the discovery document of `issuer` with `endpoints` (and counts other calls). */
function discovery(issuer: string, endpoints: Record<string, string>): Fetcher {
  return async (url) => {
    if (url === `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`) return Response.json({ issuer, ...endpoints })
    throw new Error(`unexpected call to ${url}`)
  }
}

const sameHost = (base: string) => ({
  authorization_endpoint: `${base}/authorize`,
  token_endpoint: `${base}/token`,
  userinfo_endpoint: `${base}/userinfo`,
  jwks_uri: `${base}/jwks`,
})

async function discover(def: OAuthProviderDefinition, config: ProviderConfig, fetcher: Fetcher) {
  clearMetadataCache()
  return providerMetadata(def, config, ctx, fetcher)
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string, detail?: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error, 'expected the discovery to be refused').toBeDefined()
  return error as { code?: string, detail?: string }
}

afterEach(() => clearMetadataCache())

describe('[OIDC-10] discovered endpoints: no plain http to loopback unless the issuer is loopback (or dev)', () => {
  for (const [endpoint, target] of [
    ['token_endpoint', 'http://127.0.0.1:6379/'],
    ['userinfo_endpoint', 'http://localhost:8080/admin'],
    ['jwks_uri', 'http://metadata.localhost/keys'],
    ['authorization_endpoint', 'http://[::1]:9000/authorize'],
  ] as const) {
    it(`an https issuer whose ${endpoint} is ${target} is refused before anything is called there`, async () => {
      const config = { clientId: 'c', issuer: `${IDP}/` }
      const error = await refusal(discover(oidcProvider, config, discovery(`${IDP}/`, { ...sameHost(IDP), [endpoint]: target })))
      expect(error.code).toBe('login_failed')
      expect(error.detail).toBe(`discovered ${endpoint} is not https (plain http only in dev or on a loopback issuer's own origin)`)
    })
  }

  it('a loopback http issuer (local provider, as in the e2e tests) may use http on its own origin only', async () => {
    const issuer = 'http://127.0.0.1:4000'
    const config = { clientId: 'c', issuer }
    const as = await discover(oidcProvider, config, discovery(issuer, sameHost(issuer)))
    expect(as.token_endpoint).toBe(`${issuer}/token`)
    const otherPort = await refusal(discover(oidcProvider, config, discovery(issuer, { ...sameHost(issuer), token_endpoint: 'http://127.0.0.1:6379/' })))
    expect(otherPort.detail).toMatch(/^discovered token_endpoint is not https/)
    const otherName = await refusal(discover(oidcProvider, config, discovery(issuer, { ...sameHost(issuer), userinfo_endpoint: 'http://localhost:4000/userinfo' })))
    expect(otherName.detail).toMatch(/^discovered userinfo_endpoint is not https/)
  })

  it('the rule itself: dev allows loopback http, production only the loopback issuer\'s own origin; never other schemes or credentials', () => {
    const https = { issuer: new URL(IDP), allowedHosts: ['127.0.0.1'], dev: false }
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'http://127.0.0.1/token', https)).toThrow()
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'http://127.0.0.1/token', { ...https, dev: true })).not.toThrow()
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'http://10.0.0.1/token', { ...https, allowedHosts: ['10.0.0.1'], dev: true })).toThrow()
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'ftp://idp.example.com/token', https)).toThrow()
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'https://u:p@idp.example.com/token', https)).toThrow()
    expect(() => checkDiscoveredEndpoint('token_endpoint', 'not a url', https)).toThrow()
  })
})

describe('[OIDC-10] discovered endpoints stay on the issuer\'s host unless allowed by name', () => {
  it('endpoints on another host are refused with a message naming the host and the option', async () => {
    const config = { clientId: 'c', issuer: IDP }
    const error = await refusal(discover(oidcProvider, config, discovery(IDP, { ...sameHost(IDP), token_endpoint: 'https://internal.corp.example/token' })))
    expect(error.detail).toBe('discovered token_endpoint is on internal.corp.example, not on the issuer\'s host idp.example.com (list it in allowedEndpointHosts to allow it)')
    // A look-alike suffix is another host.
    await refusal(discover(oidcProvider, config, discovery(IDP, { ...sameHost(IDP), jwks_uri: 'https://evilidp.example.com/jwks' })))
  })

  it('the issuer\'s subdomains are its own; other hosts need allowedEndpointHosts (exact, *.suffix, or a comma list from env)', async () => {
    const sub = await discover(oidcProvider, { clientId: 'c', issuer: IDP }, discovery(IDP, { ...sameHost(IDP), jwks_uri: 'https://keys.idp.example.com/jwks' }))
    expect(sub.jwks_uri).toBe('https://keys.idp.example.com/jwks')
    const spread = { ...sameHost(IDP), token_endpoint: 'https://api.example.com/token', userinfo_endpoint: 'https://graph.example.net/userinfo' }
    await refusal(discover(oidcProvider, { clientId: 'c', issuer: IDP }, discovery(IDP, spread)))
    const listed = await discover(oidcProvider, { clientId: 'c', issuer: IDP, allowedEndpointHosts: ['api.example.com', '*.example.net'] }, discovery(IDP, spread))
    expect(listed.userinfo_endpoint).toBe('https://graph.example.net/userinfo')
    const fromEnv = await discover(oidcProvider, { clientId: 'c', issuer: IDP, allowedEndpointHosts: ' API.example.com , graph.example.net ' }, discovery(IDP, spread))
    expect(fromEnv.token_endpoint).toBe('https://api.example.com/token')
  })

  it('host rules: exact, subdomain of the issuer, *.suffix for subdomains only', () => {
    expect(endpointHostAllowed('idp.example.com', 'idp.example.com', [])).toBe(true)
    expect(endpointHostAllowed('a.idp.example.com', 'idp.example.com', [])).toBe(true)
    expect(endpointHostAllowed('example.com', 'idp.example.com', [])).toBe(false)
    expect(endpointHostAllowed('xidp.example.com', 'idp.example.com', [])).toBe(false)
    expect(endpointHostAllowed('a.b.example.net', 'idp.example.com', ['*.example.net'])).toBe(true)
    expect(endpointHostAllowed('example.net', 'idp.example.com', ['*.example.net'])).toBe(false)
    expect(endpointHostAllowed('evilexample.net', 'idp.example.com', ['*.example.net'])).toBe(false)
    expect(endpointHostList('a.com, *.b.com')).toEqual(['a.com', '*.b.com'])
    expect(endpointHostList(['A.com.', 42, ''])).toEqual(['a.com'])
    expect(endpointHostList(undefined)).toEqual([])
  })
})

describe('[OIDC-10] known providers keep working', () => {
  it('Google: accounts.google.com with its token, userinfo and JWKS on googleapis.com (declared by the provider)', async () => {
    const GOOGLE = 'https://accounts.google.com'
    const layout = {
      authorization_endpoint: `${GOOGLE}/o/oauth2/v2/auth`,
      token_endpoint: 'https://oauth2.googleapis.com/token',
      userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
      jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
    }
    const as = await discover(googleProvider, { clientId: 'c' }, discovery(GOOGLE, layout))
    expect(as.token_endpoint).toBe('https://oauth2.googleapis.com/token')
    // The allowance is Google's, not googleapis.com's for everyone: the generic provider refuses it.
    await refusal(discover(oidcProvider, { clientId: 'c', issuer: GOOGLE }, discovery(GOOGLE, layout)))
    // And not any googleapis.com host.
    await refusal(discover(googleProvider, { clientId: 'c' }, discovery(GOOGLE, { ...layout, token_endpoint: 'https://storage.googleapis.com/token' })))
  })

  it('Auth0: everything on the tenant\'s own domain', async () => {
    const domain = 'https://tenant.eu.auth0.com/'
    const as = await discover(auth0Provider, { clientId: 'c', domain: 'tenant.eu.auth0.com' }, discovery(domain, {
      authorization_endpoint: `${domain}authorize`,
      token_endpoint: `${domain}oauth/token`,
      userinfo_endpoint: `${domain}userinfo`,
      jwks_uri: `${domain}.well-known/jwks.json`,
    }))
    expect(as.jwks_uri).toBe(`${domain}.well-known/jwks.json`)
  })
})
