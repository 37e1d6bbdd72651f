/** Options of the OAuth / OpenID Connect providers (`nuxtAegis.providers`). */
import type { MockUser } from '../runtime/types'
import type { PasswordProviderOptions } from './password-options'
import type { PasskeyProviderOptions } from './passkey-options'
import type { EmailProviderOptions } from './email-options'

export interface ProviderOptions {
  /** @default process.env.NUXT_AEGIS_PROVIDERS_<NAME>_CLIENT_ID */
  clientId?: string
  /** @default process.env.NUXT_AEGIS_PROVIDERS_<NAME>_CLIENT_SECRET */
  clientSecret?: string
  /** Scopes to request; the provider's defaults when unset. */
  scopes?: string[]
  /** Extra authorization request parameters (protected ones are ignored). */
  authorizationParams?: Record<string, string>
  /** Milliseconds each call to the provider (discovery, token, userinfo, JWKS) may take. @default 10000 */
  timeout?: number
  /**
   * Hosts besides the issuer's own (and its subdomains) where a discovered endpoint (authorization,
   * token, userinfo, JWKS) may be, e.g. `['api.example.com', '*.example.net']`. Any other host in
   * the discovery document is refused: the issuer cannot send the code, the client secret or a
   * bearer token elsewhere. Known providers declare their own (Google's googleapis.com hosts).
   * @default [] (env NUXT_AEGIS_PROVIDERS_<NAME>_ALLOWED_ENDPOINT_HOSTS, comma-separated)
   */
  allowedEndpointHosts?: string[]
  /**
   * Raw fields of the provider's ID token or userinfo to keep on the user (e.g. `['groups_count',
   * 'department']`), next to the normalized profile. Only bounded primitives are kept; `sub`,
   * `email`, `email_verified`, `name`, `picture` always come from the provider's mapping.
   * @default []
   */
  profileFields?: string[]
  /**
   * Keep the provider's access and refresh tokens on the server with the session (encrypted at
   * rest when `tokenRefresh.encryption` is on), for `getProviderToken(event)` in server routes.
   * They never reach the browser, a cookie or the access token, and end with the session.
   * Needs `tokenRefresh.enabled`.
   * @default false (env NUXT_AEGIS_PROVIDERS_<NAME>_KEEP_TOKENS)
   */
  keepTokens?: boolean
}

export interface MockProviderOptions extends ProviderOptions {
  /** Turn the mock provider on. @default true when `providers.mock` is present */
  enabled?: boolean
  /** Personas to log in as, keyed by the name used in `?user=`. @default built-in alice and bob */
  mockUsers?: Record<string, MockUser>
  /** Persona used when `?user=` is absent. @default the first persona */
  defaultUser?: string
  /**
   * Allow the mock provider when NODE_ENV is production. Anyone can log in as any persona:
   * only for demos and tests. A warning is logged at start-up when on.
   * @default false
   */
  enableInProduction?: boolean
}

export interface GoogleProviderOptions extends ProviderOptions {
  /** Google Workspace domain: only accounts whose ID token `hd` equals it may log in. */
  hd?: string
}

export type GitHubProviderOptions = ProviderOptions

export interface MicrosoftProviderOptions extends ProviderOptions {
  /**
   * Entra ID tenant: `common`, `organizations`, `consumers`, or a tenant id / domain.
   * @default process.env.NUXT_AEGIS_PROVIDERS_MICROSOFT_TENANT || 'common'
   */
  tenant?: string
}

export interface Auth0ProviderOptions extends ProviderOptions {
  /**
   * Auth0 tenant domain, e.g. `my-app.eu.auth0.com`.
   * @default process.env.NUXT_AEGIS_PROVIDERS_AUTH0_DOMAIN
   */
  domain?: string
  /** API identifier to request an access token for (Auth0 `audience` parameter). */
  audience?: string
}

export interface OidcProviderOptions extends ProviderOptions {
  /**
   * Issuer URL of any OpenID provider; its `/.well-known/openid-configuration` is read once.
   * Must be https (http only on 127.0.0.1, localhost, [::1]).
   * @default process.env.NUXT_AEGIS_PROVIDERS_OIDC_ISSUER
   */
  issuer?: string
}

export type SpotifyProviderOptions = ProviderOptions

export interface ProvidersOptions {
  google?: GoogleProviderOptions
  github?: GitHubProviderOptions
  microsoft?: MicrosoftProviderOptions
  auth0?: Auth0ProviderOptions
  oidc?: OidcProviderOptions
  spotify?: SpotifyProviderOptions
  mock?: MockProviderOptions
  /** Built-in email + password flows under `<authPath>/password/*` (docs/password.md). */
  password?: PasswordProviderOptions
  /** Passkey (WebAuthn) registration and login under `<authPath>/passkey/*` (docs/passkeys.md). */
  passkey?: PasskeyProviderOptions
  /** Email one-time code and magic-link login under `<authPath>/email/*` (docs/email-login.md). */
  email?: EmailProviderOptions
}
