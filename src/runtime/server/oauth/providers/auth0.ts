import type { OAuthProviderDefinition } from '../types'
import { pick } from '../profile'

/** Auth0 (OpenID Connect by discovery on `https://<domain>/`). */
export const auth0Provider: OAuthProviderDefinition = {
  name: 'auth0',
  issuer: config => `https://${String(config.domain ?? '').replace(/^https:\/\//, '').replace(/\/+$/, '')}/`,
  defaultScopes: ['openid', 'profile', 'email'],
  tokenEndpointAuth: 'client_secret_post',
  authorizationParams: config => (typeof config.audience === 'string' && config.audience ? { audience: config.audience } : {} as Record<string, string>),
  profile: ({ claims = {}, userinfo = {} }) => {
    const merged = { ...claims, ...userinfo }
    return {
      ...pick(merged, ['nickname', 'given_name', 'family_name']),
      sub: claims.sub as string,
      email: merged.email as string | undefined,
      email_verified: merged.email_verified === true,
      name: merged.name as string | undefined,
      picture: merged.picture as string | undefined,
    }
  },
}
