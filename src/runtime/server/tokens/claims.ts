import type { AegisClaims, AegisUser, ClaimValue, CustomClaims, ProviderTokens } from '../../types'
import { log } from '../core/errors'
import { sessionId } from '../sessions/provider-tokens'

/**
 * Claims the module owns; custom claims can never set them. Besides the registered JWT claims:
 * `sid` (the session), `amr` (how the user authenticated, RFC 8176), `act` and `may_act` (the
 * actor of an impersonation, RFC 8693), `acr` and `auth_time` (OIDC: a verifier may trust them
 * as statements about the login), `cnf` (a proof-of-possession key, RFC 7800).
 */
export const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid', 'cgen', 'amr', 'act', 'may_act', 'acr', 'auth_time', 'cnf'])

/**
 * A name that is, or looks like, a reserved claim or an object prototype key. Claim names are
 * case-sensitive, but a verifier that reads them loosely (`AMR`, full-width letters) must not
 * be fooled either: the check folds Unicode compatibility forms and case first.
 */
export function isReservedClaimName(name: string): boolean {
  const folded = name.normalize('NFKC').toLowerCase()
  return RESERVED_CLAIMS.has(folded) || folded === '__proto__' || folded === 'constructor' || folded === 'prototype'
}

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
    if (isReservedClaimName(name)) {
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

/**
 * Drops reserved names from claims read back from storage (a session or CODE written by an
 * older version, or by an app that stored them itself) without a warning per refresh: only the
 * module's own fields ever become `amr`, `sid`, `act` and the other reserved claims.
 */
export function withoutReservedClaims(claims: Record<string, ClaimValue>): Record<string, ClaimValue> {
  for (const name in claims) {
    if (isReservedClaimName(name)) {
      const out: Record<string, ClaimValue> = {}
      for (const [key, value] of Object.entries(claims)) if (!isReservedClaimName(key)) out[key] = value
      return out
    }
  }
  return claims
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

/** What the module itself states about a login, apart from the app's claims. */
export interface LoginFacts {
  /** The session (refresh-token family) the token comes from. */
  familyId?: string
  /** How the user authenticated (RFC 8176), as the module's own flow recorded it. */
  amr?: string[]
  /**
   * The generation of the session's claims the token was signed with (`cgen`): the revocation
   * list refuses a session's tokens of older generations once its claims changed.
   */
  claimsGeneration?: number
}

/**
 * The claims a user's access token carries. The app's custom claims can add names and replace
 * the display claims `name` and `picture`, but never set `email` or `email_verified`
 * (a claim spread from untrusted data must not mark an address verified; change the user in
 * `onUserInfo` or the userInfo hook instead) nor any reserved claim, whatever was stored.
 * `sub` and `provider` are always the user's; `sid` and `amr` only the module's.
 */
export function tokenClaims(user: AegisUser, claims: Record<string, ClaimValue>, { familyId, amr, claimsGeneration }: LoginFacts = {}): AegisClaims {
  const out: AegisClaims = { ...profileClaims(user), ...withoutReservedClaims(claims), provider: user.provider, sub: user.sub }
  // Only the profile states an address, verified or not: never a custom or stored claim.
  if (user.email === undefined) delete out.email
  else out.email = user.email
  if (user.email_verified === undefined) delete out.email_verified
  else out.email_verified = user.email_verified
  if (familyId) out.sid = sessionId(familyId)
  if (amr?.length) out.amr = amr
  if (familyId && claimsGeneration !== undefined) out.cgen = claimsGeneration
  return out
}
