/**
 * Module options of nuxt-aegis (`nuxtAegis` in `nuxt.config.ts`).
 *
 * Every secret can also be given at run time through an environment variable
 * (named next to each option), so a built server needs no rebuild to change it.
 */
import type { JwtAlgorithm, TokenOptions } from './setup/tokens-options'
import type { TokenRefreshOptions } from './setup/sessions-options'
import type { AuthCodeOptions } from './setup/handoff-options'
import type { EndpointOptions, RedirectOptions, RouteProtectionOptions } from './setup/protection-options'
import type { ProvidersOptions } from './setup/oauth-options'
import type { StorageOptions } from './setup/storage-options'
import type { RevocationOptions } from './setup/revocation-options'
import { revocationDefaults } from './setup/revocation-options'
import type { PageTextsOptions } from './setup/pages-options'
import type { ImpersonationOptions } from './setup/impersonation-options'
import type { MfaOptions } from './setup/mfa-options'

// Each capability's options live beside its setup (src/setup/<capability>-options.ts); re-exported here.
export type * from './setup/tokens-options'
export type * from './setup/sessions-options'
export type * from './setup/handoff-options'
export type * from './setup/protection-options'
export type * from './setup/oauth-options'
export type * from './setup/password-options'
export type * from './setup/passkey-options'
export type * from './setup/email-options'
export type * from './setup/mfa-options'
export type * from './setup/storage-options'
export type * from './setup/revocation-options'
export type * from './setup/pages-options'
export type * from './setup/impersonation-options'

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
  revocation?: RevocationOptions
  /**
   * Texts of the module's callback and error pages (English by default), e.g.
   * `{ error: { title: 'Anmeldung fehlgeschlagen', messages: { access_denied: '…' } } }`.
   * To change more than the texts, add your own page at `<authPath>/callback` or `redirect.error`.
   */
  texts?: PageTextsOptions
  /** An allowed user acts as another for a short while (off by default): see docs/impersonation.md. */
  impersonation?: ImpersonationOptions
  /** Second factors: TOTP authenticator apps and recovery codes (docs/two-factor.md). */
  mfa?: MfaOptions
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
  revocation: revocationDefaults,
} satisfies ModuleOptions
