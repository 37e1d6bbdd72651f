import type { OAuthHandlerOptions } from '../../types'
import type { MockProviderOptions } from '../../../options'
import { createOAuthEventHandler } from '../login'
import { mockProvider } from '../lib/oauth/providers/mock'
import { isMockEnabled } from '../mock'

/**
 * Route handler of the built-in mock provider, for `server/routes/auth/mock.get.ts`:
 * `export default defineOAuthMockEventHandler({ customClaims, onUserInfo, onSuccess, onError })`.
 */
export function defineOAuthMockEventHandler(options: OAuthHandlerOptions<Partial<MockProviderOptions>> = {}) {
  return createOAuthEventHandler({ ...mockProvider, isEnabled: config => isMockEnabled(config as { enabled?: unknown }) }, options as OAuthHandlerOptions)
}
