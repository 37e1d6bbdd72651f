import type { AegisProfile, ProviderTokens } from '../../../types'
import { pkceChallenge } from '../crypto'
import { AegisError } from '../errors'
import type { EngineContext, HttpClient, LoginResult, OAuthProviderDefinition, ProviderConfig } from './types'
import type { Transaction } from './transaction'

/** Authorization request parameters the app can never set: the engine owns them. */
export const PROTECTED_PARAMS = new Set([
  'state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope',
])

/** Provider `error=` values passed through as they are; everything else becomes `provider_error`. */
const KNOWN_PROVIDER_ERRORS = new Set(['access_denied'])

export function redirectUri(provider: string, ctx: EngineContext): string {
  return `${ctx.origin}${ctx.authPath}/${provider}`
}

/** The URL that sends the browser to the provider (code flow, PKCE S256, state, nonce). */
export function authorizationUrl(
  def: OAuthProviderDefinition,
  config: ProviderConfig,
  tx: Transaction,
  ctx: EngineContext,
  forwarded: Record<string, string> = {},
): string {
  const endpoints = def.endpoints(config, ctx)
  const url = new URL(endpoints.authorization, ctx.origin)
  for (const [name, value] of Object.entries({ ...config.authorizationParams, ...forwarded })) {
    if (!PROTECTED_PARAMS.has(name) && typeof value === 'string') url.searchParams.set(name, value)
  }
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('redirect_uri', redirectUri(def.name, ctx))
  url.searchParams.set('scope', (config.scopes ?? def.defaultScopes).join(' '))
  url.searchParams.set('state', tx.state)
  url.searchParams.set('nonce', tx.nonce)
  url.searchParams.set('code_challenge', pkceChallenge(tx.verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  return url.href
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

const MAX = { sub: 255, email: 320, name: 256, picture: 2048, extra: 1024, extraFields: 50 }

function boundedString(value: unknown, max: number): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : undefined
}

/** Type-checks and bounds a provider profile; extra fields keep only bounded primitives. */
export function normalizeProfile(raw: AegisProfile & Record<string, unknown>): AegisProfile & Record<string, unknown> {
  const sub = boundedString(raw.sub, MAX.sub)
  if (!sub) throw new AegisError(502, 'login_failed', 'provider profile has no usable subject')
  const out: AegisProfile & Record<string, unknown> = { sub }
  const email = boundedString(raw.email, MAX.email)
  if (email && /^[^\s@]+@[^\s@]+$/.test(email)) {
    out.email = email
    out.email_verified = raw.email_verified === true
  }
  const name = boundedString(raw.name, MAX.name)
  if (name) out.name = name
  const picture = boundedString(raw.picture, MAX.picture)
  if (picture && /^https?:\/\//i.test(picture)) out.picture = picture
  let extras = 0
  for (const [field, value] of Object.entries(raw)) {
    // The profile travels in the CODE and the session record: keep it small.
    if (extras >= MAX.extraFields) break
    if (field in out || ['sub', 'email', 'email_verified', 'name', 'picture', '__proto__', 'constructor', 'prototype'].includes(field)) continue
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= MAX.extra)) {
      out[field] = value
      extras++
    }
  }
  return out
}

function tokenRequest(def: OAuthProviderDefinition, config: ProviderConfig, body: URLSearchParams) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'accept': 'application/json' }
  const auth = def.tokenEndpointAuth ?? 'client_secret_post'
  body.set('client_id', config.clientId)
  if (auth === 'client_secret_basic' && config.clientSecret) {
    const encode = (v: string) => encodeURIComponent(v)
    headers.authorization = `Basic ${Buffer.from(`${encode(config.clientId)}:${encode(config.clientSecret)}`).toString('base64')}`
  }
  else if (auth === 'client_secret_post' && config.clientSecret) {
    body.set('client_secret', config.clientSecret)
  }
  return { headers, body: body.toString() }
}

/**
 * The provider callback after the transaction was checked: exchange the code (with the
 * PKCE verifier), fetch the profile, normalize it. Every failure is a fixed error code.
 */
export async function completeLogin(
  def: OAuthProviderDefinition,
  config: ProviderConfig,
  tx: Transaction,
  code: string,
  ctx: EngineContext,
  http: HttpClient,
): Promise<LoginResult> {
  const endpoints = def.endpoints(config, ctx)
  const request = tokenRequest(def, config, new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(def.name, ctx),
    code_verifier: tx.verifier,
  }))
  let tokens: ProviderTokens
  try {
    tokens = await http(endpoints.token, { method: 'POST', ...request }) as ProviderTokens
  }
  catch (error) {
    throw new AegisError(502, 'login_failed', `token endpoint of ${def.name} failed: ${describe(error)}`)
  }
  if (!tokens || typeof tokens !== 'object' || typeof tokens.access_token !== 'string' || tokens.access_token === '') {
    throw new AegisError(502, 'login_failed', `token endpoint of ${def.name} returned no access_token`)
  }
  if (tokens.token_type && String(tokens.token_type).toLowerCase() !== 'bearer') {
    throw new AegisError(502, 'login_failed', `token endpoint of ${def.name} returned token_type ${String(tokens.token_type).slice(0, 20)}`)
  }
  if (!endpoints.userinfo) throw new AegisError(502, 'login_failed', `${def.name} has no userinfo endpoint`)
  let raw: unknown
  try {
    raw = await http(endpoints.userinfo, { method: 'GET', headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' } })
  }
  catch (error) {
    throw new AegisError(502, 'login_failed', `userinfo endpoint of ${def.name} failed: ${describe(error)}`)
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AegisError(502, 'login_failed', `userinfo of ${def.name} is not an object`)
  const profile = normalizeProfile(def.profile(raw as Record<string, unknown>))
  return { profile, tokens, redirectTo: tx.redirectTo }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'statusCode' in error) return `HTTP ${String((error as { statusCode: unknown }).statusCode)}`
  return error instanceof Error ? error.name : 'unknown error'
}
