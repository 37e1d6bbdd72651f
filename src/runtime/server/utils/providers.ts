import type { OAuthHandlerOptions } from '../../types'
import type { Auth0ProviderOptions, GitHubProviderOptions, GoogleProviderOptions, MicrosoftProviderOptions, MockProviderOptions, OidcProviderOptions, SpotifyProviderOptions } from '../../../options'
import { createOAuthEventHandler } from '../oauth/login'
import { BUILTIN_PROVIDERS } from '../oauth/providers'
import { isMockEnabled } from '../oauth/mock/guard'

const handler = <T>(name: string) => (options: OAuthHandlerOptions<Partial<T>> = {}) =>
  createOAuthEventHandler(BUILTIN_PROVIDERS[name]!, options as OAuthHandlerOptions)

/** `server/routes/auth/google.get.ts`: `export default defineOAuthGoogleEventHandler({ onSuccess, customClaims })`. */
export const defineOAuthGoogleEventHandler = handler<GoogleProviderOptions>('google')
export const defineOAuthGitHubEventHandler = handler<GitHubProviderOptions>('github')
export const defineOAuthMicrosoftEventHandler = handler<MicrosoftProviderOptions>('microsoft')
export const defineOAuthAuth0EventHandler = handler<Auth0ProviderOptions>('auth0')
export const defineOAuthOidcEventHandler = handler<OidcProviderOptions>('oidc')
export const defineOAuthSpotifyEventHandler = handler<SpotifyProviderOptions>('spotify')

/**
 * Route handler of the built-in mock provider, for `server/routes/auth/mock.get.ts`:
 * `export default defineOAuthMockEventHandler({ customClaims, onUserInfo, onSuccess, onError })`.
 */
export function defineOAuthMockEventHandler(options: OAuthHandlerOptions<Partial<MockProviderOptions>> = {}) {
  return createOAuthEventHandler({ ...BUILTIN_PROVIDERS.mock!, isEnabled: config => isMockEnabled(config as { enabled?: unknown }) }, options as OAuthHandlerOptions)
}
