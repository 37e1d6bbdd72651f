import { defu } from 'defu'
import type { SetupContext } from './context'
import { PROVIDER_DEFAULTS } from './oauth'

/**
 * The runtime config of every capability, in one place: private `aegis` (read on the server
 * only, NUXT_AEGIS_* variables override it at run time) and public `aegis` (paths and flags
 * only, never a secret).
 */
export function setupRuntimeConfig({ nuxt, options: o, authPath, enabledProviders }: SetupContext) {
  const providers = (o.providers ?? {}) as Record<string, Record<string, unknown> | undefined>
  // Private runtime config: read on the server only, NUXT_AEGIS_* variables override it at run time.
  const { storage, ...tokenRefresh } = o.tokenRefresh
  const { encryption, ...tokenRefreshRest } = tokenRefresh
  nuxt.options.runtimeConfig.aegis = defu(nuxt.options.runtimeConfig.aegis as object, {
    token: o.token,
    encryption,
    tokenRefresh: { ...tokenRefreshRest, prefix: storage.prefix ?? 'refresh:' },
    authCode: { expiresIn: o.authCode.expiresIn, shared: Boolean(o.authCode.storage) },
    redirect: o.redirect,
    routeProtection: o.routeProtection,
    endpoints: { authPath, userInfoPath: o.endpoints.userInfoPath },
    siteUrl: o.siteUrl,
    // An app rendered in the browser only has no server HTML to put a user in.
    ssrSession: nuxt.options.ssr === false ? false : o.ssrSession,
    providers: Object.fromEntries(enabledProviders.map(name => [name, { ...PROVIDER_DEFAULTS[name], ...providers[name] }])),
  }) as typeof nuxt.options.runtimeConfig.aegis
  // Public runtime config: paths and flags only, never a secret.
  nuxt.options.runtimeConfig.public.siteUrl ??= ''
  nuxt.options.runtimeConfig.public.aegis = defu(nuxt.options.runtimeConfig.public.aegis as object, {
    authPath,
    userInfoPath: o.endpoints.userInfoPath,
    redirect: o.redirect,
    tokenRefresh: { enabled: o.tokenRefresh.enabled, automaticRefresh: o.tokenRefresh.automaticRefresh, cookieName: o.tokenRefresh.cookie.cookieName },
    routeProtection: o.routeProtection,
    providers: [...enabledProviders],
    apiOrigins: o.apiOrigins,
  }) as typeof nuxt.options.runtimeConfig.public.aegis
}
