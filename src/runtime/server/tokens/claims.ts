import type { AegisUser, ClaimValue, CustomClaims, ProviderTokens } from '../../types'
import { log } from '../core/errors'

/** Claims the module owns; custom claims can never set them. */
export const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid'])
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
