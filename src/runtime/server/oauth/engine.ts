import * as oauth from 'oauth4webapi'
import type { ProviderTokens } from '../../types'
import { pkceChallenge } from '../core/crypto'
import { AegisError, isAegisError } from '../core/errors'
import type { AegisErrorCode } from '../core/errors'
import type { Fetcher } from './fetch'
import { ProviderHttpError } from './fetch'
import { keepsTokens } from '../sessions/provider-tokens'
import { insecureAllowed, providerMetadata } from './metadata'
import { normalizeProfile, pick } from './profile'
import type { Transaction } from './transaction'
import type { EngineContext, LoginResult, OAuthProviderDefinition, ProviderConfig } from './types'

export { normalizeProfile } from './profile'

/** Authorization request parameters the app can never set: the engine owns them. */
export const PROTECTED_PARAMS = new Set([
  'state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope',
])

/** Provider `error=` values passed through as they are; everything else becomes `provider_error`. */
const KNOWN_PROVIDER_ERRORS = new Set(['access_denied'])

/** Seconds an ID token's `iat` may lie in the future, and how old it may be (a login lasts at most 10 min). */
const CLOCK_TOLERANCE = 60
const MAX_ID_TOKEN_AGE = 600

export function redirectUri(provider: string, ctx: EngineContext): string {
  return `${ctx.origin}${ctx.authPath}/${provider}`
}

export function isOpenId(def: OAuthProviderDefinition): boolean {
  return def.openid ?? Boolean(def.issuer)
}

/** The URL that sends the browser to the provider (code flow, PKCE S256, state, nonce for OIDC). */
export function authorizationUrl(
  def: OAuthProviderDefinition,
  config: ProviderConfig,
  tx: Transaction,
  ctx: EngineContext,
  authorizationEndpoint: string,
  forwarded: Record<string, string> = {},
): string {
  const url = new URL(authorizationEndpoint, ctx.origin)
  const offline = keepsTokens(config) ? def.refreshRequest : undefined
  const extra = { ...def.authorizationParams?.(config), ...offline?.params, ...config.authorizationParams, ...forwarded }
  for (const [name, value] of Object.entries(extra)) {
    if (!PROTECTED_PARAMS.has(name) && typeof value === 'string') url.searchParams.set(name, value)
  }
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('redirect_uri', redirectUri(def.name, ctx))
  const scopes = [...(config.scopes ?? def.defaultScopes), ...(offline?.scopes ?? [])]
  url.searchParams.set('scope', [...new Set(scopes)].join(' '))
  url.searchParams.set('state', tx.state)
  if (isOpenId(def)) url.searchParams.set('nonce', tx.nonce)
  else url.searchParams.delete('nonce')
  url.searchParams.set('code_challenge', pkceChallenge(tx.verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  return url.href
}

/** The authorization endpoint of a provider (discovering it when needed). */
export async function authorizationEndpoint(def: OAuthProviderDefinition, config: ProviderConfig, ctx: EngineContext, fetcher: Fetcher): Promise<string> {
  const as = await guard('provider_unavailable', `discovery for ${def.name}`, () => providerMetadata(def, config, ctx, fetcher))
  if (!as.authorization_endpoint) throw new AegisError(502, 'provider_unavailable', `${def.name} has no authorization_endpoint`)
  return as.authorization_endpoint
}

/** One value of a callback query parameter; a repeated parameter is an attack or a bug: reject. */
export function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new AegisError(400, 'invalid_state', `duplicate or malformed "${name}" parameter`)
  return value
}

/** Maps a provider's `error` parameter to a fixed code (its description is never reflected). */
export function providerErrorCode(error: string): 'access_denied' | 'provider_error' {
  return KNOWN_PROVIDER_ERRORS.has(error) ? 'access_denied' : 'provider_error'
}

function clientAuth(def: OAuthProviderDefinition, config: ProviderConfig): oauth.ClientAuth {
  const method = def.tokenEndpointAuth ?? 'client_secret_post'
  if (method === 'none' || !config.clientSecret) return oauth.None()
  return method === 'client_secret_basic' ? oauth.ClientSecretBasic(config.clientSecret) : oauth.ClientSecretPost(config.clientSecret)
}

/** A short, secret-free description of a failure for the server log. */
function describe(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError) return `error response "${String(error.error).slice(0, 40)}" (HTTP ${error.status})`
  if (error instanceof oauth.OperationProcessingError) return `${error.code ?? 'error'}: ${error.message}`
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return 'unknown error'
}

/** Runs one step; any failure becomes an AegisError with `code` (502) and a redacted detail. */
async function guard<T>(code: AegisErrorCode, step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  }
  catch (error) {
    if (isAegisError(error)) throw error
    const unavailable = error instanceof ProviderHttpError
      || (error instanceof oauth.OperationProcessingError && [oauth.RESPONSE_IS_NOT_JSON, oauth.RESPONSE_IS_NOT_CONFORM, oauth.PARSE_ERROR].includes(error.code ?? ''))
    throw new AegisError(502, unavailable ? 'provider_unavailable' : code, `${step}: ${describe(error)}`)
  }
}

/** The provider's metadata, with the templated-issuer check (Entra ID) when the provider has one. */
async function authorizationServer(def: OAuthProviderDefinition, config: ProviderConfig, ctx: EngineContext, fetcher: Fetcher): Promise<oauth.AuthorizationServer> {
  const as = await guard('provider_unavailable', `metadata of ${def.name}`, () => providerMetadata(def, config, ctx, fetcher))
  if (!def.expectedIssuer) return as
  // oauth4webapi's (untyped, openid-client-facing) hook for templated issuers; absent → fail closed.
  const hook = (oauth as unknown as { _expectedIssuer?: symbol })._expectedIssuer
  if (typeof hook !== 'symbol') throw new AegisError(500, 'login_failed', 'this oauth4webapi version cannot check templated issuers')
  const expected = def.expectedIssuer
  // One hooked copy per cached metadata object: oauth4webapi caches the JWKS on that object.
  const copies = hookedCopies.get(as) ?? new Map<OAuthProviderDefinition, oauth.AuthorizationServer>()
  hookedCopies.set(as, copies)
  let copy = copies.get(def)
  if (!copy) {
    copy = { ...as }
    ;(copy as unknown as Record<symbol, unknown>)[hook] = (result: { claims: Record<string, unknown> }) => expected(result.claims, config)
    copies.set(def, copy)
  }
  return copy
}

const hookedCopies = new WeakMap<oauth.AuthorizationServer, Map<OAuthProviderDefinition, oauth.AuthorizationServer>>()

const clientOf = (config: ProviderConfig): oauth.Client => ({ client_id: config.clientId, [oauth.clockTolerance]: CLOCK_TOLERANCE })

const requestOptions = (def: OAuthProviderDefinition, fetcher: Fetcher, url: string | undefined) =>
  ({ [oauth.customFetch]: fetcher, [oauth.allowInsecureRequests]: Boolean(def.local || (url && insecureAllowed(url))) })

/** Fetches (and caches) a provider's metadata; the refresh of provider tokens does this before taking its lock. */
export async function providerReady(def: OAuthProviderDefinition, config: ProviderConfig, ctx: EngineContext, fetcher: Fetcher): Promise<void> {
  await authorizationServer(def, config, ctx, fetcher)
}

/** Error codes by which a provider refuses a refresh token for good (GitHub's own: `bad_refresh_token`). */
const REFUSED_REFRESH = new Set(['invalid_grant', 'bad_refresh_token'])

/**
 * The refresh grant (RFC 6749 §6) for provider tokens kept with a session. The provider
 * refusing the refresh token (`invalid_grant`: expired, revoked, rotated away) is a 401
 * `provider_reauth_required`; an unreachable provider a 502 `provider_unavailable`; any other
 * error response a 502 `provider_error`. Answers the response's JSON, which has an access token.
 */
export async function refreshGrant(
  def: OAuthProviderDefinition,
  config: ProviderConfig,
  refreshToken: string,
  ctx: EngineContext,
  fetcher: Fetcher,
): Promise<Record<string, unknown>> {
  const as = await authorizationServer(def, config, ctx, fetcher)
  const response = await guard('provider_error', `refresh request to ${def.name}`, () =>
    oauth.refreshTokenGrantRequest(as, clientOf(config), clientAuth(def, config), refreshToken, requestOptions(def, fetcher, as.token_endpoint)))
  return readRefreshResponse(def.name, response)
}

/**
 * Reads a refresh response by hand rather than with oauth4webapi's strict processing: once it
 * arrives, the provider may have rotated the old refresh token away, so a success must never be
 * thrown away over a detail. Any 200 with an access token is kept: a missing `token_type` is
 * tolerated, and an ID token in it is neither used nor checked (the profile comes from the
 * login). An `error` member is an error at any status: GitHub answers a bad refresh token with
 * HTTP 200 and `{ "error": "bad_refresh_token" }`.
 */
export async function readRefreshResponse(provider: string, response: Response): Promise<Record<string, unknown>> {
  const status = response.status
  if (status >= 500) throw new AegisError(502, 'provider_unavailable', `token endpoint of ${provider} answered HTTP ${status}`)
  let body: unknown
  try {
    body = await response.json()
  }
  catch {
    throw new AegisError(502, 'provider_unavailable', `refresh response of ${provider} is not JSON (HTTP ${status})`)
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AegisError(502, 'provider_error', `refresh response of ${provider} is not a JSON object (HTTP ${status})`)
  const json = body as Record<string, unknown>
  if (typeof json.error === 'string' && json.error) {
    const error = json.error.slice(0, 40)
    if (REFUSED_REFRESH.has(json.error)) throw new AegisError(401, 'provider_reauth_required', `${provider} refused the refresh token (${error}, HTTP ${status})`)
    throw new AegisError(502, 'provider_error', `refresh of ${provider}: error response "${error}" (HTTP ${status})`)
  }
  if (status !== 200) throw new AegisError(502, 'provider_error', `refresh of ${provider}: HTTP ${status} without an error code`)
  if (typeof json.access_token !== 'string' || !json.access_token) throw new AegisError(502, 'provider_error', `refresh response of ${provider} has no access_token`)
  return json
}

/**
 * The provider callback after the transaction was checked: validate the authorization
 * response (RFC 9207 `iss`), exchange the code with the PKCE verifier, validate the ID token
 * (claims, nonce, signature against the cached JWKS), read userinfo (its `sub` must match)
 * and extra resources, normalize the profile. Every failure is a fixed error code.
 */
export async function completeLogin(
  def: OAuthProviderDefinition,
  config: ProviderConfig,
  tx: Transaction,
  callback: URLSearchParams,
  ctx: EngineContext,
  fetcher: Fetcher,
): Promise<LoginResult> {
  const openid = isOpenId(def)
  const as = await authorizationServer(def, config, ctx, fetcher)
  const client = clientOf(config)
  const options = (url: string | undefined) => requestOptions(def, fetcher, url)

  const params = new URLSearchParams(callback)
  // RFC 9207: compare `iss` where the issuer is known; a plain OAuth 2 provider without one ignores it.
  if (!openid && !def.endpoints?.(config, ctx).issuer) params.delete('iss')
  const validated = await guard('invalid_state', 'authorization response', async () => oauth.validateAuthResponse(as, client, params, tx.state))

  const response = await guard('login_failed', `token request to ${def.name}`, () =>
    oauth.authorizationCodeGrantRequest(as, client, clientAuth(def, config), validated, redirectUri(def.name, ctx), tx.verifier, options(as.token_endpoint)))
  if (response.status >= 500) throw new AegisError(502, 'provider_unavailable', `token endpoint of ${def.name} answered HTTP ${response.status}`)
  const tokens = await guard('login_failed', `token response of ${def.name}`, async () => {
    try {
      return await oauth.processAuthorizationCodeResponse(as, client, response, openid ? { expectedNonce: tx.nonce, requireIdToken: true } : {})
    }
    catch (error) {
      if (error instanceof oauth.OperationProcessingError && /JWT|ID Token/.test(error.message)) throw new AegisError(502, 'invalid_id_token', `id_token of ${def.name}: ${describe(error)}`)
      throw error
    }
  })

  let claims: Record<string, unknown> | undefined
  if (openid) {
    await guard('invalid_id_token', `id_token signature of ${def.name}`, () => oauth.validateApplicationLevelSignature(as, response, options(as.jwks_uri)))
    claims = oauth.getValidatedIdTokenClaims(tokens) as Record<string, unknown> | undefined
    if (!claims) throw new AegisError(502, 'invalid_id_token', `${def.name} returned no id_token`)
    const now = Math.floor(Date.now() / 1000)
    const iat = claims.iat as number
    if (iat > now + CLOCK_TOLERANCE || iat < now - MAX_ID_TOKEN_AGE - CLOCK_TOLERANCE) throw new AegisError(502, 'invalid_id_token', `id_token of ${def.name}: iat too far from now`)
    const reason = def.checkClaims?.(claims, config)
    if (reason) throw new AegisError(403, 'login_failed', `id_token of ${def.name} rejected: ${reason}`)
  }

  let userinfo: Record<string, unknown> | undefined
  if (as.userinfo_endpoint && def.userinfo !== false) {
    const url = as.userinfo_endpoint
    userinfo = openid
      ? await guard('login_failed', `userinfo of ${def.name}`, async () => {
          const res = await oauth.userInfoRequest(as, client, tokens.access_token, options(url))
          return await oauth.processUserInfoResponse(as, client, claims!.sub as string, res) as Record<string, unknown>
        })
      : await readResource(def.name, 'userinfo', url, tokens.access_token, options(url))
  }
  if (!openid && !userinfo) throw new AegisError(502, 'login_failed', `${def.name} has no userinfo endpoint`)
  const resources: Record<string, unknown> = {}
  for (const [key, url] of Object.entries(def.resources?.(config) ?? {})) {
    resources[key] = await readResource(def.name, key, url, tokens.access_token, options(url), true)
  }

  const mapped = def.profile({ claims, userinfo, resources, config })
  const profile = normalizeProfile({ ...requestedFields(config.profileFields, { ...claims, ...userinfo }), ...mapped })
  // Identity is the ID token's subject: a mapping can never swap it for another value.
  if (claims && profile.sub !== claims.sub) throw new AegisError(502, 'login_failed', `profile of ${def.name} does not carry the id_token subject`)
  return { profile, tokens: tokens as ProviderTokens, redirectTo: tx.redirectTo }
}

const NORMALIZED = new Set(['sub', 'email', 'email_verified', 'name', 'picture'])

/** Raw ID token / userinfo fields the app asked for (`profileFields`); the normalized ones stay the mapping's. */
function requestedFields(fields: unknown, raw: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(fields)) return {}
  return pick(raw, fields.filter((field): field is string => typeof field === 'string' && !NORMALIZED.has(field)))
}

/** GET a JSON resource with the provider's access token; `allowArray` for list endpoints. */
async function readResource(provider: string, what: string, url: string, accessToken: string, options: object, allowArray = false): Promise<Record<string, unknown>> {
  return guard('login_failed', `${what} of ${provider}`, async () => {
    const headers = new Headers({ accept: 'application/json' })
    const res = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(url), headers, null, options)
    if (res.status >= 500) throw new AegisError(502, 'provider_unavailable', `${what} of ${provider}: HTTP ${res.status}`)
    if (res.status !== 200) throw new AegisError(502, 'login_failed', `${what} of ${provider}: HTTP ${res.status}`)
    let json: unknown
    try {
      json = await res.json()
    }
    catch {
      throw new AegisError(502, 'provider_unavailable', `${what} of ${provider} is not JSON`)
    }
    const ok = json !== null && typeof json === 'object' && (allowArray || !Array.isArray(json))
    if (!ok) throw new AegisError(502, 'login_failed', `${what} of ${provider} is not a JSON object`)
    return json as Record<string, unknown>
  })
}
