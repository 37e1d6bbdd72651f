import type { OAuthProviderDefinition } from '../types'
import { pick } from '../profile'

/**
 * Any OpenID provider found by discovery from its `issuer` (Keycloak, Authentik, Zitadel,
 * Okta, a local oidc-provider ...). The ID token is validated; userinfo fills the profile.
 */
export const oidcProvider: OAuthProviderDefinition = {
  name: 'oidc',
  issuer: config => String(config.issuer ?? ''),
  defaultScopes: ['openid', 'profile', 'email'],
  tokenEndpointAuth: 'client_secret_basic',
  profile: ({ claims = {}, userinfo = {} }) => {
    const merged = { ...claims, ...userinfo }
    return {
      ...pick(merged, ['preferred_username', 'given_name', 'family_name', 'locale']),
      sub: claims.sub as string,
      email: merged.email as string | undefined,
      email_verified: merged.email_verified === true,
      name: merged.name as string | undefined,
      picture: merged.picture as string | undefined,
    }
  },
}
