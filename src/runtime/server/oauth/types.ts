import type { AegisProfile, ProviderTokens } from '../../types'

/** Settings of one provider after merging nuxt.config, env and the route's `config`. */
export interface ProviderConfig {
  clientId: string
  clientSecret?: string
  scopes?: string[]
  authorizationParams?: Record<string, string>
  /** Milliseconds each call to the provider may take. @default 10000 */
  timeout?: number
  /** Raw ID token / userinfo fields to keep on the user besides the provider's mapping. */
  profileFields?: string[]
  [key: string]: unknown
}

/** Endpoints of a provider that is not discovered (plain OAuth 2, or OIDC with a fixed layout). */
export interface ProviderEndpoints {
  authorization: string
  token: string
  userinfo?: string
  /** JWKS of an OpenID provider declared without discovery. */
  jwks?: string
  /** Issuer identifier: the RFC 9207 `iss` and the id_token `iss` are compared to it. */
  issuer?: string
}

/** Where the engine runs: the public origin and the module's auth path. */
export interface EngineContext {
  origin: string
  authPath: string
}

/** What a provider's `profile` mapping reads: validated id_token claims, userinfo, extra resources. */
export interface ProfileInput {
  /** Claims of the validated ID token (OpenID providers). */
  claims?: Record<string, unknown>
  /** The userinfo response (its `sub` already checked against the ID token's). */
  userinfo?: Record<string, unknown>
  /** The JSON of each `resources` URL, by key (e.g. GitHub's `emails`). */
  resources: Record<string, unknown>
  config: ProviderConfig
}

/**
 * A provider is a declaration, not code with protocol logic: where it lives, scopes and how
 * to read its profile. State, PKCE, nonce, ID token validation, the code exchange and error
 * handling live in the engine.
 */
export interface OAuthProviderDefinition {
  name: string
  /** OpenID Connect by discovery: the issuer whose `/.well-known/openid-configuration` is read. */
  issuer?: (config: ProviderConfig) => string
  /** Fixed endpoints (used when `issuer` is not given). */
  endpoints?: (config: ProviderConfig, ctx: EngineContext) => ProviderEndpoints
  /** An ID token is required and validated (nonce, signature, claims). @default true when `issuer` is given */
  openid?: boolean
  /** Call the userinfo endpoint (when there is one). @default true */
  userinfo?: boolean
  /** Multi-tenant issuers (Entra ID): the `iss` an ID token must carry, computed from its claims. */
  expectedIssuer?: (claims: Record<string, unknown>, config: ProviderConfig) => string | undefined
  defaultScopes: string[]
  /**
   * What the authorization request adds when the app keeps the provider's tokens (`keepTokens`),
   * so the provider issues a refresh token: scopes (Entra: `offline_access`) and parameters
   * (Google: `access_type=offline`; the app's own `authorizationParams` still win).
   */
  refreshRequest?: { scopes?: string[], params?: Record<string, string> }
  /** Authorization parameters the provider always gets (e.g. derived from config); protected ones are ignored. */
  authorizationParams?: (config: ProviderConfig) => Record<string, string>
  /** How the client authenticates at the token endpoint. @default 'client_secret_post' */
  tokenEndpointAuth?: 'client_secret_post' | 'client_secret_basic' | 'none'
  /** Query parameters of the login request that are passed on to the provider (e.g. a mock persona). */
  forwardParams?: string[]
  /** Extra JSON resources read with the access token (e.g. `{ emails: 'https://api.github.com/user/emails' }`). */
  resources?: (config: ProviderConfig) => Record<string, string>
  /** Provider-specific checks of the validated ID token (e.g. Google `hd`): a reason to reject, or undefined. */
  checkClaims?: (claims: Record<string, unknown>, config: ProviderConfig) => string | undefined
  /** Maps what the provider returned to the normalized profile; may add extra primitive fields. */
  profile: (input: ProfileInput) => AegisProfile & Record<string, unknown>
  /** Whether the provider may be used at all in this process (e.g. the mock in production). */
  isEnabled?: (config: ProviderConfig) => boolean
  /** Served by this app itself (the mock): calls stay in process. */
  local?: boolean
}

export interface LoginResult {
  profile: AegisProfile & Record<string, unknown>
  tokens: ProviderTokens
  redirectTo?: string
}
