/**
 * The module's runtime configuration: its shape, parsing and the start-up checks. Pure:
 * the Nitro plugin feeds it `useRuntimeConfig().aegis` and refuses to start on problems.
 */
import type { MockUser } from '../../types'
import { DEFAULT_MOCK_USERS } from '../oauth/mock/mock-idp'
import { ASYMMETRIC_ALGORITHMS, privateKeyProblem, publicKeyProblem } from '../tokens/keys'

export interface RuntimeProviderConfig {
  clientId?: string
  clientSecret?: string
  scopes?: string[]
  authorizationParams?: Record<string, string>
  [key: string]: unknown
}

export interface RuntimeMockConfig extends RuntimeProviderConfig {
  enabled?: boolean
  mockUsers?: Record<string, MockUser>
  defaultUser?: string
  enableInProduction?: boolean | string
}

/** `runtimeConfig.aegis`: private, overridable with NUXT_AEGIS_* variables. */
export interface AegisRuntimeConfig {
  token: { secret: string, expiresIn: string | number, algorithm: string, privateKey: string, previousPublicKeys?: string[] | string, issuer: string, audience: string }
  encryption: { enabled: boolean, key: string, algorithm: string, previousKeys?: string[] | string }
  tokenRefresh: {
    enabled: boolean
    rotation: boolean
    reuseInterval: number
    absoluteTimeout: string | number
    prefix: string
    cookie: { cookieName: string, maxAge: number, secure: boolean, sameSite: 'lax' | 'strict' | 'none', httpOnly: boolean, path: string, domain: string }
  }
  authCode: { expiresIn: number, shared: boolean }
  redirect: { login: string, logout: string, success: string, error: string }
  routeProtection: { protectedRoutes: string[], publicRoutes: string[] }
  endpoints: { authPath: string, userInfoPath: string }
  siteUrl: string
  ssrSession?: boolean | string
  providers: Record<string, RuntimeProviderConfig | undefined> & { mock?: RuntimeMockConfig }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** Seconds of a duration given as seconds or as `'30s'`, `'15m'`, `'1h'`, `'7d'`; undefined when invalid. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined
  const match = /^(\d+) ?([smhd]?)$/i.exec(value.trim())
  if (!match) return undefined
  const seconds = Number(match[1]) * UNITS[(match[2] || 's').toLowerCase()]!
  return seconds > 0 ? seconds : undefined
}

export function isTruthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1'
}

const MIN_SECRET_BYTES = 32
const bytes = (value: string) => Buffer.byteLength(value, 'utf8')

/** Names of an option and its env variable, for messages. */
const providerEnv = (name: string, field: string) => `NUXT_AEGIS_PROVIDERS_${name.toUpperCase()}_${field}`

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Settings a built-in provider needs besides its client id (issuer, domain). */
function providerProblems(name: string, provider: RuntimeProviderConfig): string[] {
  const problems: string[] = []
  if (name !== 'mock' && !provider.clientSecret) {
    problems.push(`nuxtAegis.providers.${name}.clientSecret is missing: set ${providerEnv(name, 'CLIENT_SECRET')}`)
  }
  if (name === 'auth0' && !/^[\w.-]+$/.test(String(provider.domain ?? '').replace(/^https:\/\//, '').replace(/\/+$/, ''))) {
    problems.push(`nuxtAegis.providers.auth0.domain is missing or invalid: set ${providerEnv(name, 'DOMAIN')} (e.g. my-app.eu.auth0.com)`)
  }
  if (name === 'microsoft' && provider.tenant !== undefined && !/^[\w.-]+$/.test(String(provider.tenant))) {
    problems.push(`nuxtAegis.providers.microsoft.tenant is invalid: set ${providerEnv(name, 'TENANT')} to common, organizations, consumers or a tenant id`)
  }
  if (name === 'oidc') {
    let url: URL | undefined
    try {
      url = new URL(String(provider.issuer ?? ''))
    }
    catch { /* reported below */ }
    if (!url) problems.push(`nuxtAegis.providers.oidc.issuer is missing or not a URL: set ${providerEnv(name, 'ISSUER')}`)
    else if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      problems.push(`nuxtAegis.providers.oidc.issuer (${providerEnv(name, 'ISSUER')}) must use https (http only on 127.0.0.1, localhost or [::1])`)
    }
  }
  return problems
}

/**
 * Problems that must stop the app from starting. Each message names the option and its
 * environment variable and never includes a value.
 */
export function validateConfig(config: AegisRuntimeConfig): string[] {
  const problems: string[] = []
  const { token } = config
  const asymmetric = (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(token.algorithm)
  if (token.algorithm !== 'HS256' && !asymmetric) {
    problems.push(`nuxtAegis.token.algorithm (NUXT_AEGIS_TOKEN_ALGORITHM) "${token.algorithm}" is not supported: use HS256, RS256, ES256 or EdDSA`)
  }
  if (asymmetric) {
    const problem = token.privateKey ? privateKeyProblem(token.privateKey, token.algorithm) : 'is missing'
    if (problem) problems.push(`nuxtAegis.token.privateKey (NUXT_AEGIS_TOKEN_PRIVATE_KEY) ${problem}: ${token.algorithm} needs a PEM private key`)
    const previous = listOption(token.previousPublicKeys)
    if (previous === undefined) problems.push('nuxtAegis.token.previousPublicKeys (NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS) must be a list of PEM public keys (a JSON array in the env variable)')
    for (const pem of previous ?? []) {
      const why = publicKeyProblem(pem)
      if (why) problems.push(`nuxtAegis.token.previousPublicKeys: a key ${why}`)
    }
  }
  if (!token.secret && !asymmetric) {
    problems.push(`nuxtAegis.token.secret is missing: set NUXT_AEGIS_TOKEN_SECRET to a random string of at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 48\`)`)
  }
  else if (token.secret && bytes(token.secret) < MIN_SECRET_BYTES) {
    problems.push(`nuxtAegis.token.secret (NUXT_AEGIS_TOKEN_SECRET) is too weak: it must be at least ${MIN_SECRET_BYTES} bytes`)
  }
  if (parseDuration(token.expiresIn) === undefined) {
    problems.push('nuxtAegis.token.expiresIn (NUXT_AEGIS_TOKEN_EXPIRES_IN) must be a positive number of seconds or a duration like "15m", "1h", "1d"')
  }
  if (config.encryption.enabled) {
    if (!config.encryption.key) problems.push('nuxtAegis.tokenRefresh.encryption.enabled is true but no key is set: set NUXT_AEGIS_ENCRYPTION_KEY (at least 32 bytes)')
    else if (bytes(config.encryption.key) < MIN_SECRET_BYTES) problems.push('nuxtAegis.tokenRefresh.encryption.key (NUXT_AEGIS_ENCRYPTION_KEY) is too short: it must be at least 32 bytes')
  }
  if (config.encryption.enabled) {
    const previous = encryptionPreviousKeys(config.encryption)
    if (previous === undefined) problems.push('nuxtAegis.tokenRefresh.encryption.previousKeys (NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS) must be a list of keys (a JSON array in the env variable)')
    else if (previous.some(key => bytes(key) < MIN_SECRET_BYTES)) problems.push('nuxtAegis.tokenRefresh.encryption.previousKeys: every key must be at least 32 bytes')
    if (config.encryption.algorithm && config.encryption.algorithm !== 'aes-256-gcm') problems.push('nuxtAegis.tokenRefresh.encryption.algorithm must be "aes-256-gcm"')
  }
  if (parseDuration(config.tokenRefresh.absoluteTimeout ?? '30d') === undefined) {
    problems.push('nuxtAegis.tokenRefresh.absoluteTimeout must be a positive number of seconds or a duration like "30d"')
  }
  if (!(Number(config.tokenRefresh.reuseInterval) >= 0) || Number(config.tokenRefresh.reuseInterval) > 300) {
    problems.push('nuxtAegis.tokenRefresh.reuseInterval must be between 0 and 300 seconds')
  }
  const { cookie } = config.tokenRefresh
  if (!(Number(cookie.maxAge) > 0)) problems.push('nuxtAegis.tokenRefresh.cookie.maxAge must be a positive number of seconds')
  if (!/^[\w!#$%&'*+\-.^`|~]+$/.test(cookie.cookieName)) problems.push('nuxtAegis.tokenRefresh.cookie.cookieName is not a valid cookie name')
  if (cookie.sameSite === 'none' && !cookie.secure) problems.push('nuxtAegis.tokenRefresh.cookie: sameSite "none" requires secure: true')
  if (!(Number(config.authCode.expiresIn) > 0) || Number(config.authCode.expiresIn) > 600) problems.push('nuxtAegis.authCode.expiresIn must be between 1 and 600 seconds')
  for (const [name, path] of Object.entries(config.redirect)) {
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) problems.push(`nuxtAegis.redirect.${name} must be a path on this site starting with "/"`)
  }
  for (const [name, path] of Object.entries(config.endpoints)) {
    if (typeof path !== 'string' || !/^\/[\w\-/]*$/.test(path) || path.includes('//')) problems.push(`nuxtAegis.endpoints.${name} must be a plain path starting with "/"`)
  }
  for (const list of ['protectedRoutes', 'publicRoutes'] as const) {
    for (const glob of config.routeProtection[list] ?? []) {
      if (typeof glob !== 'string' || !glob.startsWith('/') || glob.includes('..')) problems.push(`nuxtAegis.routeProtection.${list}: "${String(glob)}" must start with "/" and contain no ".."`)
    }
  }
  if (config.siteUrl) {
    let url: URL | undefined
    try {
      url = new URL(config.siteUrl)
    }
    catch { /* reported below */ }
    if (!url || !/^https?:$/.test(url.protocol)) problems.push('nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) must be an absolute http(s) URL')
  }
  for (const [name, provider] of Object.entries(config.providers)) {
    if (!provider || (name === 'mock' && provider.enabled === false)) continue
    if (!provider.clientId) problems.push(`nuxtAegis.providers.${name}.clientId is missing: set ${providerEnv(name, 'CLIENT_ID')}`)
    problems.push(...providerProblems(name, provider))
  }
  const mock = config.providers.mock
  if (mock && mock.enabled !== false) {
    const users = mock.mockUsers ?? DEFAULT_MOCK_USERS
    if (mock.defaultUser && !Object.hasOwn(users, mock.defaultUser)) problems.push(`nuxtAegis.providers.mock.defaultUser "${mock.defaultUser}" is not a key of mockUsers`)
  }
  return problems
}

/** `encryption.previousKeys` as a list (the env variable gives a JSON array); undefined when malformed. */
export function encryptionPreviousKeys(encryption: AegisRuntimeConfig['encryption']): string[] | undefined {
  return listOption(encryption.previousKeys)
}

/** A list of strings from config, or from an env variable holding a JSON array; undefined when malformed. */
export function listOption(option: string[] | string | undefined): string[] | undefined {
  let value: unknown = option ?? []
  if (typeof value === 'string') {
    if (!value.trim()) return []
    try {
      value = JSON.parse(value)
    }
    catch {
      return undefined
    }
  }
  return Array.isArray(value) && value.every(key => typeof key === 'string') ? value as string[] : undefined
}
