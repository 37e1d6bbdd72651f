import type { OAuthProviderDefinition } from '../types'
import { pick } from '../profile'

/** Google (OpenID Connect). With `hd` set, only accounts of that Workspace domain may log in. */
export const googleProvider: OAuthProviderDefinition = {
  name: 'google',
  issuer: () => 'https://accounts.google.com',
  defaultScopes: ['openid', 'profile', 'email'],
  tokenEndpointAuth: 'client_secret_basic',
  // The `hd` parameter only preselects an account in Google's UI; the claim check below enforces it.
  authorizationParams: config => (typeof config.hd === 'string' && config.hd ? { hd: config.hd } : {} as Record<string, string>),
  // Google issues a refresh token only for offline access (and only at the first consent).
  refreshRequest: { params: { access_type: 'offline' } },
  checkClaims: (claims, config) => {
    if (typeof config.hd === 'string' && config.hd && claims.hd !== config.hd) return 'hosted domain (hd) does not match'
    return undefined
  },
  profile: ({ claims = {}, userinfo = {} }) => {
    const merged = { ...claims, ...userinfo }
    return {
      ...pick(merged, ['hd', 'given_name', 'family_name', 'locale']),
      sub: claims.sub as string,
      email: merged.email as string | undefined,
      email_verified: merged.email_verified === true,
      name: merged.name as string | undefined,
      picture: merged.picture as string | undefined,
    }
  },
}
