import type { AegisUser, ClaimValue, TokenResponse } from '../../types'
import { resolveCustomClaims, tokenClaims } from './claims'
import type { LoginFacts } from './claims'
import type { Session } from '../sessions/sessions'
import { useAegis } from '../context/services'

/** Signs an access token for a user (of session `familyId`, when sessions are on). */
export async function accessTokenResponse(user: AegisUser, claims: Record<string, ClaimValue>, { redirectTo, ...facts }: { redirectTo?: string } & LoginFacts = {}): Promise<TokenResponse> {
  const { tokens } = useAegis()
  const token = await tokens.sign(tokenClaims(user, claims, facts))
  return { token, tokenType: 'Bearer', expiresIn: tokens.expiresIn, ...(redirectTo ? { redirectTo } : {}) }
}

/**
 * Claims on refresh: the provider route's claims function runs again with the stored user
 * (provider tokens are not available then); without one, or when `updateSessionClaims` set them,
 * the stored claims are kept.
 * What the login itself established (`amr`) lives on the session, not in these claims.
 */
export async function refreshedClaims(record: Session): Promise<Record<string, ClaimValue>> {
  // Claims the server set (updateSessionClaims) hold until it sets them again or the user asks for an update.
  if (record.claimsPinned) return record.claims
  return recomputedClaims(record)
}

/** The provider route's claims function run again for the stored user (`refresh({ updateClaims: true })`); the stored claims without one. */
export async function recomputedClaims(record: Session): Promise<Record<string, ClaimValue>> {
  const custom = useAegis().handlers.get(record.user.provider)?.customClaims
  if (typeof custom !== 'function') return record.claims
  return resolveCustomClaims(custom, record.user, undefined)
}
