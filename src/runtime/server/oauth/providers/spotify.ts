import type { OAuthProviderDefinition } from '../types'

/** Spotify (OAuth 2). Spotify does not say whether an email is verified: it is kept as unverified. */
export const spotifyProvider: OAuthProviderDefinition = {
  name: 'spotify',
  openid: false,
  defaultScopes: ['user-read-email', 'user-read-private'],
  tokenEndpointAuth: 'client_secret_basic',
  endpoints: () => ({
    authorization: 'https://accounts.spotify.com/authorize',
    token: 'https://accounts.spotify.com/api/token',
    userinfo: 'https://api.spotify.com/v1/me',
  }),
  profile: ({ userinfo = {} }) => {
    const images = Array.isArray(userinfo.images) ? userinfo.images as Array<{ url?: unknown }> : []
    return {
      sub: userinfo.id as string,
      email: userinfo.email as string | undefined,
      email_verified: false,
      name: (userinfo.display_name ?? userinfo.id) as string | undefined,
      picture: images.find(image => typeof image?.url === 'string')?.url as string | undefined,
      product: userinfo.product,
      country: userinfo.country,
    }
  },
}
