import type { H3Event } from 'h3'
import type { AegisProfile, ProviderTokens, UpstreamTokens } from '../../types'
import { AegisError, log } from '../core/errors'
import { fromTokenResponse } from '../sessions/provider-tokens'
import type { ProviderRefresh, ProviderTokenSet } from '../sessions/provider-tokens'

/**
 * Tokens of the app's own backend (Directus, Strapi, a company API) from a credentials login
 * (`defineCredentialsEventHandler({ keepTokens: true })`): kept with the session in the same
 * store, codec and lifetime as OAuth provider tokens, and refreshed through the app's
 * `refreshTokens` under the same per-session lock.
 */
export interface UpstreamSource {
  /** The app's refresh call; without it a kept token is used until it expires. */
  refresh?: (tokens: UpstreamTokens, event: H3Event) => UpstreamTokens | null | undefined | Promise<UpstreamTokens | null | undefined>
  /** How long one refresh call may take (ms): sizes the lock that keeps refreshes one at a time. */
  timeoutMs?: number
}

const sources = new Map<string, UpstreamSource>()

/** Registered when the credentials route file loads (the module imports those at start). */
export function registerUpstreamSource(provider: string, source: UpstreamSource): void {
  sources.set(provider, source)
}

export function upstreamSource(provider: string | undefined): UpstreamSource | undefined {
  return provider === undefined ? undefined : sources.get(provider)
}

/** An upstream token is a bounded, non-empty string; a JWT of a few KB fits. */
const MAX_TOKEN_LENGTH = 16_384

/**
 * What `authorize` returned: a bare user, or `{ user, tokens }`. A bare user is any object
 * with a `sub`; `{ user, tokens }` has no `sub` of its own and a `user` object.
 */
export function splitAuthorizeResult(result: Record<string, unknown>): { user: AegisProfile & Record<string, unknown>, tokens?: unknown } {
  const nested = !('sub' in result) && typeof result.user === 'object' && result.user !== null && !Array.isArray(result.user)
  return nested ? { user: result.user as AegisProfile & Record<string, unknown>, tokens: result.tokens } : { user: result as AegisProfile & Record<string, unknown> }
}

/** The set kept with the session, or a TypeError naming what is wrong (the app's bug: a 500). */
export function upstreamTokenSet(provider: string, tokens: unknown, now: number): ProviderTokenSet {
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) throw new TypeError('tokens must be an object')
  const record = tokens as Record<string, unknown>
  for (const name of ['access_token', 'refresh_token', 'token_type', 'scope'] as const) {
    const value = record[name]
    if (value === undefined && name !== 'access_token') continue
    if (typeof value !== 'string' || !value || value.length > MAX_TOKEN_LENGTH) throw new TypeError(`tokens.${name} must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`)
  }
  if (record.expires_in !== undefined && !(typeof record.expires_in === 'number' && Number.isFinite(record.expires_in) && record.expires_in > 0)) {
    throw new TypeError('tokens.expires_in must be a positive number of seconds')
  }
  return fromTokenResponse(provider, record, now)!
}

/** The kept set as the app's `refreshTokens` receives it. */
export function asUpstreamTokens(set: ProviderTokenSet, now: number): UpstreamTokens {
  const out: UpstreamTokens = { access_token: set.accessToken }
  if (set.refreshToken) out.refresh_token = set.refreshToken
  if (set.tokenType) out.token_type = set.tokenType
  if (set.scope) out.scope = set.scope
  if (set.expiresAt !== undefined) out.expires_in = Math.max(0, Math.round((set.expiresAt - now) / 1000))
  return out
}

/** The tokens as hooks and claims functions see them at login (the OAuth `tokens` shape). */
export function asProviderTokens(set: ProviderTokenSet, now: number): ProviderTokens {
  return { ...asUpstreamTokens(set, now) }
}

/**
 * The refresh `getProviderToken` runs under the session's lock: the app's `refreshTokens`, whose
 * `null` means the backend refused (the kept tokens are removed: log in again).
 */
export function upstreamRefresh(provider: string, source: UpstreamSource, event: H3Event): ProviderRefresh {
  return async (current) => {
    if (!source.refresh) throw new AegisError(401, 'provider_reauth_required', `${provider} has no refreshTokens`)
    let next: UpstreamTokens | null | undefined
    try {
      next = await source.refresh(asUpstreamTokens(current, Date.now()), event)
    }
    catch (error) {
      if (error instanceof AegisError) throw error
      // The backend is down or slow: the session and its tokens stay, a later call tries again.
      log.warn(`refreshTokens of ${provider} threw: ${error instanceof Error ? error.name : 'unknown error'}`)
      throw new AegisError(502, 'provider_unavailable', `refreshTokens of ${provider} threw`)
    }
    if (!next) throw new AegisError(401, 'provider_reauth_required', `${provider} refused the refresh token`)
    try {
      return upstreamTokenSet(provider, next, Date.now())
    }
    catch (error) {
      throw new AegisError(502, 'provider_error', `refreshTokens of ${provider} returned unusable tokens: ${(error as Error).message}`)
    }
  }
}
