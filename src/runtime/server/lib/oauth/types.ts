import type { AegisProfile, ProviderTokens } from '../../../types'

/** Settings of one provider after merging nuxt.config, env and the route's `config`. */
export interface ProviderConfig {
  clientId: string
  clientSecret?: string
  scopes?: string[]
  authorizationParams?: Record<string, string>
  [key: string]: unknown
}

export interface ProviderEndpoints {
  authorization: string
  token: string
  userinfo?: string
}

/** Where the engine runs: the public origin and the module's auth path. */
export interface EngineContext {
  origin: string
  authPath: string
}

/**
 * A provider is a declaration, not code with protocol logic: endpoints, scopes and how
 * to read its profile. State, PKCE, the code exchange and error handling live in the engine.
 */
export interface OAuthProviderDefinition {
  name: string
  endpoints: (config: ProviderConfig, ctx: EngineContext) => ProviderEndpoints
  defaultScopes: string[]
  /** How the client authenticates at the token endpoint. @default 'client_secret_post' */
  tokenEndpointAuth?: 'client_secret_post' | 'client_secret_basic' | 'none'
  /** Query parameters of the login request that are passed on to the provider (e.g. a mock persona). */
  forwardParams?: string[]
  /** Maps the provider's profile to the normalized one; may add extra primitive fields. */
  profile: (raw: Record<string, unknown>) => AegisProfile & Record<string, unknown>
  /** Whether the provider may be used at all in this process (e.g. the mock in production). */
  isEnabled?: (config: ProviderConfig) => boolean
}

/** A minimal HTTP client the engine calls; it returns parsed JSON or throws. */
export type HttpClient = (url: string, init: { method: 'GET' | 'POST', headers: Record<string, string>, body?: string }) => Promise<unknown>

export interface LoginResult {
  profile: AegisProfile & Record<string, unknown>
  tokens: ProviderTokens
  redirectTo?: string
}
