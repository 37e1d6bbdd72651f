/**
 * Module options of nuxt-aegis (`nuxtAegis` in `nuxt.config.ts`).
 *
 * Every secret can also be given at run time through an environment variable
 * (named next to each option), so a built server needs no rebuild to change it.
 */
import type { MockUser } from './runtime/types'
import type { PasswordProviderOptions } from './setup/password-options'
import type { StorageOptions } from './setup/storage-options'

export type * from './setup/password-options'
export type * from './setup/storage-options'

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

export interface TokenOptions {
  /**
   * HMAC secret for `HS256` access tokens, at least 32 bytes.
   * @default process.env.NUXT_AEGIS_TOKEN_SECRET
   */
  secret?: string
  /**
   * Access token lifetime: seconds, or a string such as `'15m'`, `'1h'`, `'2d'`.
   * @default '1h'
   */
  expiresIn?: string | number
  /**
   * Signing algorithm. `HS256` signs with `secret`; `RS256` (RSA ≥ 2048 bits), `ES256` (P-256)
   * and `EdDSA` (Ed25519) sign with `privateKey` and publish the public key at `{authPath}/jwks`,
   * so other services can verify tokens without a shared secret.
   * @default 'HS256' (env NUXT_AEGIS_TOKEN_ALGORITHM)
   */
  algorithm?: JwtAlgorithm
  /**
   * PEM private key (PKCS#8 or PKCS#1) for `RS256`, `ES256` or `EdDSA`. In an env variable,
   * `\n` escapes stand for newlines.
   * @default process.env.NUXT_AEGIS_TOKEN_PRIVATE_KEY
   */
  privateKey?: string
  /**
   * PEM public keys of former signing keys: still accepted and published in the JWKS while
   * tokens signed with them may be alive (key rotation). Drop one after `expiresIn` has passed.
   * @default process.env.NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS (a JSON array)
   */
  previousPublicKeys?: string[]
  /**
   * `iss` claim of issued tokens, checked on verify.
   * @default 'nuxt-aegis'
   */
  issuer?: string
  /**
   * `aud` claim of issued tokens; checked on verify when not empty.
   * @default ''
   */
  audience?: string
}

export interface RefreshCookieOptions {
  /** @default 'nuxt-aegis-refresh' */
  cookieName?: string
  /**
   * Idle timeout, in seconds: a refresh token (and its cookie) not used for this long ends the
   * session. Each refresh starts it again, never beyond `tokenRefresh.absoluteTimeout`.
   * @default 604800
   */
  maxAge?: number
  /** `Secure` attribute. Dropped automatically only in dev on http://localhost. @default true */
  secure?: boolean
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Always true; kept as an option for clarity. @default true */
  httpOnly?: boolean
  /** @default '/' */
  path?: string
  /** Cookie `Domain`; unset means host-only. @default undefined */
  domain?: string
}

export interface EncryptionOptions {
  /** Encrypt session records at rest (AES-256-GCM). @default false */
  enabled?: boolean
  /**
   * Encryption key, at least 32 bytes.
   * @default process.env.NUXT_AEGIS_ENCRYPTION_KEY
   */
  key?: string
  /** @default 'aes-256-gcm' */
  algorithm?: 'aes-256-gcm'
  /**
   * Former keys, still used to open records written before a key change (records are
   * re-encrypted with `key` on their next write). Remove one once `absoluteTimeout` has passed.
   * @default process.env.NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS (a JSON array)
   */
  previousKeys?: string[]
}

export interface TokenRefreshOptions {
  /** Issue refresh tokens and serve `POST /auth/refresh`. @default true */
  enabled?: boolean
  /** The client refreshes the access token before it expires and once at start-up. @default true */
  automaticRefresh?: boolean
  /** Rotate the refresh token on every use. @default true */
  rotation?: boolean
  /**
   * Seconds during which a just-rotated refresh token may still be presented (parallel tabs,
   * a response lost on the network): it gets the same successor, never a second live token.
   * After that, or for any older ancestor, a replay revokes the whole session family.
   * @default 10
   */
  reuseInterval?: number
  /**
   * Absolute timeout: a login lasts at most this long however often it is refreshed.
   * Seconds, or a duration such as `'30d'`, `'12h'`.
   * @default '30d'
   */
  absoluteTimeout?: string | number
  cookie?: RefreshCookieOptions
  storage?: StorageOptions
  encryption?: EncryptionOptions
}

export interface AuthCodeOptions {
  /** Lifetime of the one-time CODE handed to the callback page, in seconds. @default 60 */
  expiresIn?: number
  /**
   * unstorage driver options to share CODEs between instances (e.g. `{ driver: 'redis', url }`).
   * Unset keeps CODEs in process memory (one instance).
   * @default undefined
   */
  storage?: StorageOptions
}

export interface RedirectOptions {
  /** Where to send a user who must log in. @default '/' */
  login?: string
  /** Where to go after logout. @default '/' */
  logout?: string
  /** Where to go after a successful login without `redirectTo`. @default '/' */
  success?: string
  /** Error page; receives `?error=<code>`. @default '/auth/error' */
  error?: string
}

export interface RouteProtectionOptions {
  /** Globs (`*` one segment, `**` any depth) that need a valid access token. @default [] */
  protectedRoutes?: string[]
  /** Globs that never need one; public wins over protected. @default [] */
  publicRoutes?: string[]
}

export interface EndpointOptions {
  /** Base path of every auth endpoint. @default '/auth' */
  authPath?: string
  /** Path of the current-user endpoint. @default '/api/user/me' */
  userInfoPath?: string
}

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
}

export interface ModuleOptions {
  token?: TokenOptions
  tokenRefresh?: TokenRefreshOptions
  authCode?: AuthCodeOptions
  redirect?: RedirectOptions
  routeProtection?: RouteProtectionOptions
  endpoints?: EndpointOptions
  /**
   * Public base URL of the site, used for `redirect_uri` and same-origin checks in production.
   * @default runtimeConfig.public.siteUrl (env NUXT_PUBLIC_SITE_URL)
   */
  siteUrl?: string
  /**
   * Server-side rendering looks the session up from the refresh cookie (read-only: no rotation,
   * no Set-Cookie) so the first HTML already shows the user. Turn off for fully cached or
   * prerendered sites; the browser then finds the session after hydration.
   * @default true (env NUXT_AEGIS_SSR_SESSION)
   */
  ssrSession?: boolean
  /**
   * Origins, besides the app's own, whose APIs receive the access token from `useAuth().fetch`,
   * `$aegisFetch` and `useAuthFetch` (e.g. `['https://api.example.com']`). Every other origin never does.
   * @default []
   */
  apiOrigins?: string[]
  /**
   * Proxies in front of the app whose `X-Forwarded-For` entry is trusted for the client IP of
   * rate limits: `false`/0 uses the socket address (a client can forge the header), `true` or a
   * number of hops trusts that many proxies.
   * @default false (env NUXT_AEGIS_TRUST_PROXY)
   */
  trustProxy?: boolean | number
  providers?: ProvidersOptions
}

export const defaults = {
  token: {
    secret: '',
    expiresIn: '1h' as string | number,
    algorithm: 'HS256' as JwtAlgorithm,
    privateKey: '',
    previousPublicKeys: [] as string[],
    issuer: 'nuxt-aegis',
    audience: '',
  },
  tokenRefresh: {
    enabled: true,
    automaticRefresh: true,
    rotation: true,
    reuseInterval: 10,
    absoluteTimeout: '30d' as string | number,
    cookie: {
      cookieName: 'nuxt-aegis-refresh',
      maxAge: 604800,
      secure: true,
      sameSite: 'lax' as const,
      httpOnly: true,
      path: '/',
      domain: '',
    },
    // No `base` here: it is the fs driver's default only (src/storage-options.ts), never Redis's.
    storage: {
      driver: 'fs',
      prefix: 'refresh:',
    } as StorageOptions,
    encryption: {
      enabled: false,
      key: '',
      algorithm: 'aes-256-gcm' as const,
      previousKeys: [] as string[],
    },
  },
  authCode: {
    expiresIn: 60,
  },
  redirect: {
    login: '/',
    logout: '/',
    success: '/',
    error: '/auth/error',
  },
  routeProtection: {
    protectedRoutes: [] as string[],
    publicRoutes: [] as string[],
  },
  endpoints: {
    authPath: '/auth',
    userInfoPath: '/api/user/me',
  },
  siteUrl: '',
  ssrSession: true,
  apiOrigins: [] as string[],
  trustProxy: false as boolean | number,
  providers: {},
} satisfies ModuleOptions
