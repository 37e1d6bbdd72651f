import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  addImports,
  addPlugin,
  addRouteMiddleware,
  addServerHandler,
  addServerImports,
  addServerPlugin,
  addTemplate,
  addTypeTemplate,
  createResolver,
  defineNuxtModule,
  extendPages,
  useLogger,
} from '@nuxt/kit'
import { defu } from 'defu'
import { defaults } from './options'
import { setupPassword } from './setup/password'
import { unguardedRouteRules } from './runtime/server/protection/paths'
import type { ModuleOptions } from './options'

export type * from './options'
export type * from './runtime/types'

const PROVIDER_NAMES = ['google', 'github', 'microsoft', 'auth0', 'oidc', 'spotify', 'mock'] as const
/** Runtime config keys must exist at build time for NUXT_AEGIS_PROVIDERS_* variables to override them. */
const PROVIDER_DEFAULTS: Record<string, Record<string, unknown>> = {
  google: { clientId: '', clientSecret: '', keepTokens: false, hd: '' },
  github: { clientId: '', clientSecret: '', keepTokens: false },
  microsoft: { clientId: '', clientSecret: '', keepTokens: false, tenant: 'common' },
  auth0: { clientId: '', clientSecret: '', keepTokens: false, domain: '', audience: '' },
  oidc: { clientId: '', clientSecret: '', keepTokens: false, issuer: '' },
  spotify: { clientId: '', clientSecret: '', keepTokens: false },
  mock: { clientId: 'nuxt-aegis-mock', clientSecret: '', enableInProduction: false },
}
/** Auto-imported route handler of each built-in provider. */
const PROVIDER_HANDLERS = ['defineOAuthGoogleEventHandler', 'defineOAuthGitHubEventHandler', 'defineOAuthMicrosoftEventHandler', 'defineOAuthAuth0EventHandler', 'defineOAuthOidcEventHandler', 'defineOAuthSpotifyEventHandler', 'defineOAuthMockEventHandler']
const logger = useLogger('nuxt-aegis')

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-aegis',
    configKey: 'nuxtAegis',
    compatibility: { nuxt: '>=3.0.0' },
  },
  defaults,
  setup(options, nuxt) {
    const resolver = createResolver(import.meta.url)
    const o = defu(options, defaults) as typeof defaults & Required<ModuleOptions>
    const authPath = o.endpoints.authPath.replace(/\/+$/, '') || '/auth'
    const providers = (o.providers ?? {}) as Record<string, Record<string, unknown> | undefined>
    const enabledProviders = PROVIDER_NAMES.filter(name => providers[name] && providers[name]!.enabled !== false)
    for (const name of Object.keys(providers)) {
      if (!(PROVIDER_NAMES as readonly string[]).includes(name) && name !== 'password') logger.warn(`nuxtAegis.providers.${name} is not a provider of this version and is ignored`)
    }

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

    // Storage mounts: Nitro bundles the chosen unstorage drivers.
    const { prefix: _prefix, ...driverOptions } = storage
    nuxt.hook('nitro:config', (nitroConfig) => {
      const mounts = ((nitroConfig as { storage?: Record<string, unknown> }).storage ??= {})
      mounts['aegis:refresh'] ??= driverOptions
      if (o.authCode.storage) mounts['aegis:codes'] ??= o.authCode.storage
    })
    nuxt.options.alias['#nuxt-aegis'] = resolver.resolve('./runtime/types')
    // Custom providers (defineOAuthProvider, OAuthBaseProvider). Also set on Nitro directly: the
    // shorter '#nuxt-aegis' alias must not swallow it.
    const providersEntry = resolver.resolve('./runtime/server/oauth/custom-provider')
    nuxt.options.alias['#nuxt-aegis/server/providers'] = providersEntry
    nuxt.hook('nitro:config', (nitroConfig) => {
      const config = nitroConfig as { alias?: Record<string, string> }
      config.alias = { '#nuxt-aegis/server/providers': providersEntry, ...config.alias }
    })

    // Nitro applies routeRules proxies and redirects before any server middleware: such routes
    // never reach route protection, so a protected glob over them would be a false promise.
    nuxt.hook('nitro:config', (nitroConfig) => {
      type Rules = Record<string, { proxy?: unknown, redirect?: unknown } | undefined>
      const rules: Rules = { ...(nuxt.options.routeRules as Rules), ...(nitroConfig as { routeRules?: Rules }).routeRules }
      for (const { pattern, glob } of unguardedRouteRules(rules, o.routeProtection.protectedRoutes)) {
        logger.warn(`routeRules["${pattern}"] proxies or redirects, which Nitro does before route protection: routeProtection.protectedRoutes "${glob}" does not guard it. Protect the target instead.`)
      }
    })

    // Server: start-up checks, route protection, thin routes.
    addServerPlugin(resolver.resolve('./runtime/server/context/startup'))
    addServerHandler({ middleware: true, handler: resolver.resolve('./runtime/server/protection/protect') })
    const route = (path: string, file: string, method?: 'get' | 'post') =>
      addServerHandler({ route: `${authPath}${path}`, method, handler: resolver.resolve(`./runtime/server/${file}`) })
    const postOnly: Record<string, string> = { '/token': 'handoff/routes/token.post', '/logout': 'sessions/routes/logout.post', ...(o.tokenRefresh.enabled ? { '/refresh': 'sessions/routes/refresh.post' } : {}) }
    for (const [path, file] of Object.entries(postOnly)) {
      route(path, file, 'post')
      // Registered without a method: the router uses it for every method but POST.
      route(path, 'core/routes/method-not-allowed')
    }
    addServerHandler({ route: o.endpoints.userInfoPath, method: 'get', handler: resolver.resolve('./runtime/server/protection/routes/me.get') })
    // Always registered: the algorithm can change at run time (NUXT_AEGIS_TOKEN_ALGORITHM); 404 for HS256.
    route('/jwks', 'tokens/routes/jwks.get', 'get')
    if (enabledProviders.includes('mock')) {
      route('/mock/authorize', 'oauth/mock/routes/authorize.get', 'get')
      route('/mock/token', 'oauth/mock/routes/token.post', 'post')
      route('/mock/userinfo', 'oauth/mock/routes/userinfo.get', 'get')
    }

    // A configured provider works without a route file; a user's route file replaces the default.
    const userRouteFiles: string[] = []
    for (const name of enabledProviders) {
      const own = findUserProviderRoute(nuxt.options._layers.map(layer => layer.config.serverDir ?? join(layer.config.srcDir ?? layer.cwd, 'server')), authPath, name)
      if (own) userRouteFiles.push(own)
      else route(`/${name}`, `oauth/routes/${name}.get`, 'get')
    }
    // Custom providers (defineOAuthProvider) live only in route files: import those too.
    for (const file of customProviderRoutes(nuxt.options._layers.map(layer => layer.config.serverDir ?? join(layer.config.srcDir ?? layer.cwd, 'server')), authPath)) {
      if (!userRouteFiles.includes(file)) userRouteFiles.push(file)
    }
    // Import the user's provider routes at start so their customClaims are known on refresh.
    const registry = addTemplate({
      filename: 'nuxt-aegis/provider-routes.mjs',
      write: true,
      getContents: () => userRouteFiles.map(file => `import ${JSON.stringify(file)}`).join('\n') + '\nexport default () => {}\n',
    })
    addServerPlugin(registry.dst)
    // In dev Nitro would import it unbundled (no auto-imports, raw TypeScript): always bundle it.
    nuxt.hook('nitro:config', (nitroConfig) => {
      const config = nitroConfig as { externals?: { inline?: string[] } }
      config.externals = defu(config.externals, { inline: [registry.dst] })
    })

    setupPassword(nuxt, resolver, { password: o.providers?.password, trustProxy: o.trustProxy, authPath })

    addServerImports([
      ...['getAuthUser', 'requireAuth'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/auth') })),
      ...['defineOAuthMockEventHandler'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/providers') })),
      ...['getProviderToken'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/provider-tokens') })),
      ...['revokeUserSessions', 'listUserSessions'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/sessions') })),
      ...['defineAuthenticatedWebSocketHandler', 'getWebSocketUser', 'WEBSOCKET_TOKEN_PROTOCOL'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/websocket') })),
      ...PROVIDER_HANDLERS.map(name => ({ name, from: resolver.resolve('./runtime/server/utils/providers') })),
    ])

    // Client: composable, plugin, page protection, callback and error pages.
    addImports([
      { name: 'useAuth', from: resolver.resolve('./runtime/app/composables/useAuth') },
      { name: 'useAuthFetch', from: resolver.resolve('./runtime/app/composables/useAuthFetch') },
    ])
    addPlugin(resolver.resolve('./runtime/app/plugins/aegis'))
    addRouteMiddleware({ name: 'aegis-auth', path: resolver.resolve('./runtime/app/middleware/auth'), global: true })
    // The callback URL carries the CODE: render it in the browser only, never cache it, never leak it as Referer.
    nuxt.options.routeRules = defu(nuxt.options.routeRules, {
      [`${authPath}/callback`]: { ssr: false, headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } },
    })
    extendPages((pages) => {
      const has = (path: string) => pages.some(page => page.path === path)
      if (!has(`${authPath}/callback`)) pages.push({ name: 'aegis-callback', path: `${authPath}/callback`, file: resolver.resolve('./runtime/app/pages/AegisCallback.vue') })
      if (!has(o.redirect.error)) pages.push({ name: 'aegis-error', path: o.redirect.error, file: resolver.resolve('./runtime/app/pages/AegisError.vue') })
    })

    addTypeTemplate({
      filename: 'types/nuxt-aegis.d.ts',
      getContents: () => [
        `import type { AegisHooks, AegisClaims } from ${JSON.stringify(resolver.resolve('./runtime/types'))}`,
        `declare module 'nitropack/types' { interface NitroRuntimeHooks extends AegisHooks {} }`,
        `declare module 'nitropack' { interface NitroRuntimeHooks extends AegisHooks {} }`,
        `declare module 'h3' { interface H3EventContext { user?: AegisClaims, aegisSession?: { user: AegisClaims | null } } }`,
        `declare module 'vue-router' { interface RouteMeta { auth?: boolean | 'guest' } }`,
        `declare module '#app' { interface PageMeta { auth?: boolean | 'guest' } interface NuxtApp { $aegis: import(${JSON.stringify(resolver.resolve('./runtime/app/client'))}).AegisClient, $aegisFetch: import(${JSON.stringify(resolver.resolve('./runtime/app/client'))}).AegisClient['fetch'] } }`,
        'export {}',
      ].join('\n'),
    }, { nitro: true, nuxt: true })

    if (nuxt.options.dev && enabledProviders.includes('mock')) logger.info(`Mock provider on: log in at ${authPath}/mock?user=<persona>`)
  },
})

/** Route names under `<authPath>` that are the module's own endpoints, never provider routes. */
const OWN_ROUTES = new Set(['callback', 'token', 'refresh', 'logout', 'jwks', 'error', 'mock', 'password'])

/**
 * GET route files directly under `server/routes/<authPath>/` that are not the module's own
 * endpoints: custom provider routes, imported at start so their `customClaims` function is
 * known on refresh even before anyone opens the route.
 */
function customProviderRoutes(serverDirs: string[], authPath: string): string[] {
  const files: string[] = []
  for (const dir of serverDirs) {
    const routes = join(dir, 'routes', authPath)
    if (!existsSync(routes)) continue
    for (const entry of readdirSync(routes, { withFileTypes: true })) {
      const match = /^([a-z][\w-]*)(?:\.get)?\.(?:ts|js|mjs|mts)$/i.exec(entry.name)
      if (entry.isFile() && match && !OWN_ROUTES.has(match[1]!.toLowerCase())) files.push(join(routes, entry.name))
    }
  }
  return files
}

/** The user's own route file for a provider, in any layer (`server/routes/<authPath>/<name>(.get).{ts,js,mjs}`). */
function findUserProviderRoute(serverDirs: string[], authPath: string, name: string): string | undefined {
  for (const dir of serverDirs) {
    for (const file of [`${name}.get`, name]) {
      for (const ext of ['ts', 'js', 'mjs', 'mts']) {
        const path = join(dir, 'routes', authPath, `${file}.${ext}`)
        if (existsSync(path)) return path
      }
    }
  }
  return undefined
}
