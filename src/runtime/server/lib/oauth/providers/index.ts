import type { OAuthProviderDefinition } from '../types'
import { mockProvider } from './mock'

/** Every built-in provider by name. */
export const builtinProviders: Record<string, OAuthProviderDefinition> = {
  mock: mockProvider,
}
