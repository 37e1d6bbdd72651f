import * as oauth from 'oauth4webapi'
import { AegisError } from '../core/errors'
import type { Fetcher } from './fetch'
import { isLoopbackHttp } from './fetch'
import type { EngineContext, OAuthProviderDefinition, ProviderConfig } from './types'

/** Discovered metadata is kept this long; the JWKS cache (inside oauth4webapi) hangs off the same object. */
const METADATA_TTL_MS = 60 * 60 * 1000
const MAX_ENTRIES = 100

interface Entry { as: Promise<oauth.AuthorizationServer>, expiresAt: number }
const cache = new Map<string, Entry>()

/** For tests: forget discovered metadata and the JWKS hanging off it. */
export function clearMetadataCache(): void {
  cache.clear()
}

/**
 * The issuer URL of an OpenID provider, checked: https, or http only on a loopback host
 * (a local provider in dev and tests); no query or fragment.
 */
export function checkIssuer(issuer: string): URL {
  let url: URL
  try {
    url = new URL(issuer)
  }
  catch {
    throw new AegisError(500, 'login_failed', 'issuer is not a URL')
  }
  if (url.search || url.hash || url.username || url.password) throw new AegisError(500, 'login_failed', 'issuer must not have a query, fragment or credentials')
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) throw new AegisError(500, 'login_failed', `issuer ${url.origin} must use https (http only on 127.0.0.1, localhost, [::1])`)
  return url
}

/** Whether oauth4webapi may call this URL over plain http (loopback only). */
export function insecureAllowed(url: string): boolean {
  try {
    return isLoopbackHttp(new URL(url))
  }
  catch {
    return false
  }
}

/**
 * The authorization server of a provider: discovered from its issuer (once, cached) or built
 * from its fixed endpoints (also cached, so the JWKS cache survives between logins).
 */
export function providerMetadata(def: OAuthProviderDefinition, config: ProviderConfig, ctx: EngineContext, fetcher: Fetcher): Promise<oauth.AuthorizationServer> {
  const issuer = def.issuer?.(config)
  const endpoints = issuer ? undefined : def.endpoints?.(config, ctx)
  if (!issuer && !endpoints) throw new AegisError(500, 'login_failed', `provider ${def.name} declares neither issuer nor endpoints`)
  const key = `${def.name}\u0000${issuer ?? JSON.stringify(endpoints)}`
  const now = Date.now()
  const hit = cache.get(key)
  if (hit && hit.expiresAt > now) return hit.as
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!)
  const as = issuer
    ? discover(checkIssuer(issuer), fetcher)
    : Promise.resolve(staticMetadata(endpoints!))
  cache.set(key, { as, expiresAt: now + METADATA_TTL_MS })
  // A failed discovery is not cached: the next login tries again.
  as.catch(() => {
    if (cache.get(key)?.as === as) cache.delete(key)
  })
  return as
}

async function discover(issuer: URL, fetcher: Fetcher): Promise<oauth.AuthorizationServer> {
  const options = { [oauth.customFetch]: fetcher, [oauth.allowInsecureRequests]: isLoopbackHttp(issuer) }
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options })
  const as = await oauth.processDiscoveryResponse(issuer, response)
  for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'] as const) {
    const value = as[endpoint]
    if (value !== undefined && !(value.startsWith('https://') || insecureAllowed(value))) {
      throw new AegisError(502, 'login_failed', `discovered ${endpoint} is not https`)
    }
  }
  return as
}

function staticMetadata(endpoints: NonNullable<ReturnType<NonNullable<OAuthProviderDefinition['endpoints']>>>): oauth.AuthorizationServer {
  return {
    issuer: endpoints.issuer ?? new URL(endpoints.token).origin,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    userinfo_endpoint: endpoints.userinfo,
    jwks_uri: endpoints.jwks,
  }
}
