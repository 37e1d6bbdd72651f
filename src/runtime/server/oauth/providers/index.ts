import type { OAuthProviderDefinition } from '../types'
import { auth0Provider } from './auth0'
import { githubProvider } from './github'
import { googleProvider } from './google'
import { microsoftProvider } from './microsoft'
import { mockProvider } from './mock'
import { oidcProvider } from './oidc'
import { spotifyProvider } from './spotify'

/** The built-in providers by name. */
export const BUILTIN_PROVIDERS: Record<string, OAuthProviderDefinition> = {
  google: googleProvider,
  github: githubProvider,
  microsoft: microsoftProvider,
  auth0: auth0Provider,
  oidc: oidcProvider,
  spotify: spotifyProvider,
  mock: mockProvider,
}
