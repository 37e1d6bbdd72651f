/**
 * Pure helpers of the DevTools tab (dev only): options without secrets, the route-protection
 * explanation, and the redirect URI of each provider.
 */
import { compileGlob, isUnder, normalizePath } from '../protection/paths'

/** Option names whose values are secret (at any depth): shown as `[redacted]` when set. */
const SECRET_NAME = /secret|password|pepper|privatekey|^key$|^keys$|previouskeys|credentials?$/i

/** A copy of `value` with every secret-named field redacted and credentials cut out of URLs. */
export function redactSecrets(value: unknown, name = ''): unknown {
  if (name && SECRET_NAME.test(name) && !/public/i.test(name)) {
    const empty = value === '' || value === undefined || value === null || (Array.isArray(value) && value.length === 0)
    return empty ? value : '[redacted]'
  }
  if (Array.isArray(value)) return value.map(item => redactSecrets(item))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactSecrets(child, key)]))
  }
  // `redis://user:password@host`: the part before @ is a credential.
  if (typeof value === 'string') return value.replace(/^([a-z][\w+.-]*:\/\/)[^/@\s]+@/i, '$1[redacted]@')
  return value
}

export interface RouteExplanation {
  path: string
  /** The path as route protection sees it; undefined when it is refused (400). */
  normalized?: string
  refused: boolean
  protected: boolean
  /** Why: `authPath` (the module's own routes are exempt), a glob of one list, or `none`. */
  decidedBy: { list: 'publicRoutes' | 'protectedRoutes', glob: string } | { list: 'authPath', glob: string } | { list: 'none' }
}

/** What route protection decides for a path, and which glob decided (public wins over protected). */
export function explainRoute(path: string, routes: { protectedRoutes: string[], publicRoutes: string[], authPath: string }): RouteExplanation {
  const normalized = normalizePath(path.startsWith('/') ? path : `/${path}`)
  if (normalized === undefined) return { path, refused: true, protected: false, decidedBy: { list: 'none' } }
  if (isUnder(normalized, routes.authPath)) return { path, normalized, refused: false, protected: false, decidedBy: { list: 'authPath', glob: `${routes.authPath}/**` } }
  const publicGlob = routes.publicRoutes.find(glob => compileGlob(glob).test(normalized))
  if (publicGlob) return { path, normalized, refused: false, protected: false, decidedBy: { list: 'publicRoutes', glob: publicGlob } }
  const protectedGlob = routes.protectedRoutes.find(glob => compileGlob(glob).test(normalized))
  if (protectedGlob) return { path, normalized, refused: false, protected: true, decidedBy: { list: 'protectedRoutes', glob: protectedGlob } }
  return { path, normalized, refused: false, protected: false, decidedBy: { list: 'none' } }
}

export interface ProviderInfo {
  name: string
  /** The exact `redirect_uri` to register at the provider. */
  redirectUri: string
  /** Whether the origin came from `siteUrl` (production) or from this dev request. */
  origin: 'siteUrl' | 'request'
  note?: string
}

export function providerInfo(names: string[], authPath: string, siteOrigin: string, requestOrigin: string): ProviderInfo[] {
  const origin = siteOrigin || requestOrigin
  return names.map(name => ({
    name,
    redirectUri: `${origin}${authPath}/${name}`,
    origin: siteOrigin ? 'siteUrl' : 'request',
    ...(name === 'mock' ? { note: 'built-in mock: nothing to register' } : {}),
  }))
}
