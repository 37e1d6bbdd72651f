import type { OAuthProviderDefinition } from '../types'

/** The built-in mock provider: served by this app under `<authPath>/mock/*`. */
export const mockProvider: OAuthProviderDefinition = {
  name: 'mock',
  defaultScopes: ['openid', 'profile', 'email'],
  tokenEndpointAuth: 'client_secret_post',
  forwardParams: ['user', 'mock_error'],
  endpoints: (_config, ctx) => ({
    authorization: `${ctx.authPath}/mock/authorize`,
    // Relative: the engine's HTTP client calls the app itself in process.
    token: `${ctx.authPath}/mock/token`,
    userinfo: `${ctx.authPath}/mock/userinfo`,
  }),
  profile: raw => ({ ...raw, sub: raw.sub as string }),
}
