import { AegisError } from '../core/errors'
import { isLoopbackHttp } from './fetch'

/** The endpoints of a discovery document the engine calls (with the code, the client secret or a bearer token). */
export const DISCOVERED_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const

export interface EndpointPolicy {
  /** The configured issuer (already checked by `checkIssuer`). */
  issuer: URL
  /** Other hosts the endpoints may be on: the provider definition's and the app's `allowedEndpointHosts`. */
  allowedHosts: string[]
  /** A dev server: plain http to loopback is allowed whatever the issuer. */
  dev: boolean
}

/**
 * `allowedEndpointHosts` as configured: an array, or (from an env variable) a JSON array or a
 * comma-separated list. Host names, or `*.example.com` for any subdomain of example.com.
 */
export function endpointHostList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : []
  return items
    .filter((item): item is string => typeof item === 'string')
    .map(item => item.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean)
}

/** The issuer's host or a subdomain of it, or a host the allowlist names (exactly, or by `*.` for subdomains). */
export function endpointHostAllowed(host: string, issuerHost: string, allowedHosts: string[]): boolean {
  if (host === issuerHost || host.endsWith(`.${issuerHost}`)) return true
  return allowedHosts.some(pattern => pattern.startsWith('*.')
    ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1
    : host === pattern)
}

/**
 * What a discovery document may send the server to. It comes from the issuer, and a
 * misconfigured or hostile one must not point the code, the client secret or a bearer token at
 * internal services: https only (plain http only in dev, or to the issuer's own loopback origin
 * when the issuer itself is a loopback http one), and only on the issuer's host (or below it)
 * unless the provider or the app allows other hosts by name.
 */
export function checkDiscoveredEndpoint(name: string, value: string, policy: EndpointPolicy): void {
  let url: URL
  try {
    url = new URL(value)
  }
  catch {
    throw new AegisError(502, 'login_failed', `discovered ${name} is not a URL`)
  }
  if (url.username || url.password) throw new AegisError(502, 'login_failed', `discovered ${name} has credentials`)
  if (url.protocol === 'http:') {
    const loopbackIssuer = isLoopbackHttp(policy.issuer)
    const allowed = isLoopbackHttp(url) && (policy.dev || (loopbackIssuer && url.origin === policy.issuer.origin))
    if (!allowed) throw new AegisError(502, 'login_failed', `discovered ${name} is not https (plain http only in dev or on a loopback issuer's own origin)`)
  }
  else if (url.protocol !== 'https:') {
    throw new AegisError(502, 'login_failed', `discovered ${name} is not https`)
  }
  if (!endpointHostAllowed(url.hostname, policy.issuer.hostname, policy.allowedHosts)) {
    throw new AegisError(502, 'login_failed', `discovered ${name} is on ${url.hostname}, not on the issuer's host ${policy.issuer.hostname} (list it in allowedEndpointHosts to allow it)`)
  }
}
