import type { AegisClaims, AegisUser, ClaimValue, TokenResponse } from '../../types'
import { keepSessionClaims, profileClaims, resolveCustomClaims } from './claims'
import type { Session } from '../sessions/sessions'
import { sessionId } from '../sessions/provider-tokens'
import { useAegis } from '../context/services'

/**
 * The claims a user's access token carries: profile claims, then custom claims; `sub` and
 * `provider` are always the user's, `sid` names the session (refresh-token family) it came from.
 */
export function tokenClaims(user: AegisUser, claims: Record<string, ClaimValue>, familyId?: string): AegisClaims {
  const out: AegisClaims = { ...profileClaims(user), ...claims, provider: user.provider, sub: user.sub }
  if (familyId) out.sid = sessionId(familyId)
  return out
}

/** Signs an access token for a user (of session `familyId`, when sessions are on). */
export async function accessTokenResponse(user: AegisUser, claims: Record<string, ClaimValue>, { redirectTo, familyId }: { redirectTo?: string, familyId?: string } = {}): Promise<TokenResponse> {
  const { tokens } = useAegis()
  const token = await tokens.sign(tokenClaims(user, claims, familyId))
  return { token, tokenType: 'Bearer', expiresIn: tokens.expiresIn, ...(redirectTo ? { redirectTo } : {}) }
}

/**
 * Claims on refresh: the provider route's claims function runs again with the stored user
 * (provider tokens are not available then); without one the claims of the login are kept.
 * What the login itself established (`amr`) is kept either way.
 */
export async function refreshedClaims(record: Session): Promise<Record<string, ClaimValue>> {
  const custom = useAegis().handlers.get(record.user.provider)?.customClaims
  if (typeof custom !== 'function') return record.claims
  return keepSessionClaims(await resolveCustomClaims(custom, record.user, undefined), record.claims)
}
