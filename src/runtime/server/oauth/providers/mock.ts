import type { OAuthProviderDefinition } from '../types'

/** The built-in mock provider: an OAuth 2 server served by this app under `<authPath>/mock/*`. */
export const mockProvider: OAuthProviderDefinition = {
  name: 'mock',
  defaultScopes: ['openid', 'profile', 'email'],
  openid: false,
  local: true,
  tokenEndpointAuth: 'client_secret_post',
  forwardParams: ['user', 'mock_error'],
  endpoints: (_config, ctx) => ({
    authorization: `${ctx.origin}${ctx.authPath}/mock/authorize`,
    // Same origin as the app: the engine's fetch serves these in process.
    token: `${ctx.origin}${ctx.authPath}/mock/token`,
    userinfo: `${ctx.origin}${ctx.authPath}/mock/userinfo`,
  }),
  profile: ({ userinfo = {} }) => ({ ...userinfo, sub: userinfo.sub as string }),
}
