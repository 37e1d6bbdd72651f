import type { AegisUser, ClaimValue, CustomClaims, ProviderTokens } from '../../types'
import { log } from '../core/errors'

/**
 * Claims the module owns; custom claims can never set them. `amr` (how the user authenticated,
 * RFC 8176) and `act` (the actor of an impersonation, RFC 8693) are set only by the module.
 */
export const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid', 'amr', 'act'])

/** RFC 8176 method values are short tokens; a login names a few of them. */
const AMR_VALUE = /^[a-z][a-z0-9_-]{0,31}$/
const MAX_AMR = 8

/**
 * Checks the authentication methods a login reports (`amr`, RFC 8176): a non-empty list of
 * short lower-case tokens, deduplicated in order. Anything else is a programming error of the
 * caller (the module's own flows), so it throws rather than signing a token with it.
 */
export function authenticationMethods(amr: readonly string[]): string[] {
  const out = [...new Set(amr)]
  if (!out.length || out.length > MAX_AMR || !out.every(value => typeof value === 'string' && AMR_VALUE.test(value))) {
    throw new TypeError(`amr must be 1 to ${MAX_AMR} RFC 8176 method names (lower-case tokens), got ${JSON.stringify(amr)}`)
  }
  return out
}

/**
 * Claims the session keeps from its login whatever the claims callback returns later
 * (a refresh that runs the claims function again): today only `amr`. Returns `next` with them copied from `stored`.
 */
export function keepSessionClaims(next: Record<string, ClaimValue>, stored: Record<string, ClaimValue>): Record<string, ClaimValue> {
  return stored.amr === undefined ? next : { ...next, amr: stored.amr }
}
const MAX_ARRAY = 100

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

function isClaimValue(value: unknown): value is ClaimValue {
  if (isPrimitive(value)) return true
  return Array.isArray(value) && value.length <= MAX_ARRAY && value.every(isPrimitive)
}

/**
 * Keeps only claims that may go into a token: not reserved, not prototype keys, and a
 * primitive or an array of primitives. Everything dropped is named in one warning.
 */
export function filterClaims(claims: Record<string, unknown>): Record<string, ClaimValue> {
  const out: Record<string, ClaimValue> = Object.create(null)
  const dropped: string[] = []
  for (const [name, value] of Object.entries(claims)) {
    if (RESERVED_CLAIMS.has(name) || name === '__proto__' || name === 'constructor' || name === 'prototype') {
      dropped.push(`${name} (reserved)`)
      continue
    }
    if (value === undefined) continue
    if (!isClaimValue(value)) {
      dropped.push(`${name} (not a primitive or an array of primitives)`)
      continue
    }
    out[name] = value
  }
  if (dropped.length) log.warn(`custom claims ignored: ${dropped.join(', ')}`)
  return { ...out }
}

/** Resolves custom claims (object or function) and filters them. */
export async function resolveCustomClaims(custom: CustomClaims | undefined, user: AegisUser, tokens: ProviderTokens | undefined): Promise<Record<string, ClaimValue>> {
  if (!custom) return {}
  const claims = typeof custom === 'function' ? await custom(user, tokens) : custom
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    log.warn('customClaims must return an object; ignored')
    return {}
  }
  return filterClaims(claims)
}

/** The profile fields that go into every access token. */
export function profileClaims(user: AegisUser): Record<string, ClaimValue> {
  const out: Record<string, ClaimValue> = { provider: user.provider }
  if (user.email !== undefined) out.email = user.email
  if (user.email_verified !== undefined) out.email_verified = user.email_verified
  if (user.name !== undefined) out.name = user.name
  if (user.picture !== undefined) out.picture = user.picture
  return out
}
