import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { addServerHandler, addServerImports, addServerPlugin, addTemplate } from '@nuxt/kit'
import { defu } from 'defu'
import type { ResolvedModuleOptions, SetupContext } from './context'
import { layerServerDirs, logger } from './context'

const PROVIDER_NAMES = ['google', 'github', 'microsoft', 'auth0', 'oidc', 'spotify', 'mock'] as const
/** Runtime config keys must exist at build time for NUXT_AEGIS_PROVIDERS_* variables to override them. */
export const PROVIDER_DEFAULTS: Record<string, Record<string, unknown>> = {
  // allowedEndpointHosts: present so NUXT_AEGIS_PROVIDERS_<NAME>_ALLOWED_ENDPOINT_HOSTS applies (discovery providers only).
  google: { clientId: '', clientSecret: '', keepTokens: false, hd: '', allowedEndpointHosts: [] },
  github: { clientId: '', clientSecret: '', keepTokens: false },
  microsoft: { clientId: '', clientSecret: '', keepTokens: false, tenant: 'common' },
  auth0: { clientId: '', clientSecret: '', keepTokens: false, domain: '', audience: '', allowedEndpointHosts: [] },
  oidc: { clientId: '', clientSecret: '', keepTokens: false, issuer: '', allowedEndpointHosts: [] },
  spotify: { clientId: '', clientSecret: '', keepTokens: false },
  mock: { clientId: 'nuxt-aegis-mock', clientSecret: '', enableInProduction: false },
}
/** Auto-imported route handler of each built-in provider. */
const PROVIDER_HANDLERS = ['defineOAuthGoogleEventHandler', 'defineOAuthGitHubEventHandler', 'defineOAuthMicrosoftEventHandler', 'defineOAuthAuth0EventHandler', 'defineOAuthOidcEventHandler', 'defineOAuthSpotifyEventHandler', 'defineOAuthMockEventHandler']

/** `providers.<name>` entries that are not OAuth providers (their own capabilities set them up). */
const NON_OAUTH_PROVIDERS = ['password', 'email', 'passkey']

/** The built-in providers that are configured and not disabled; warns about unknown ones. */
export function enabledOAuthProviders(o: ResolvedModuleOptions): string[] {
  const providers = (o.providers ?? {}) as Record<string, Record<string, unknown> | undefined>
  const enabledProviders = PROVIDER_NAMES.filter(name => providers[name] && providers[name]!.enabled !== false)
  for (const name of Object.keys(providers)) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name) && !NON_OAUTH_PROVIDERS.includes(name)) logger.warn(`nuxtAegis.providers.${name} is not a provider of this version and is ignored`)
  }
  return enabledProviders
}

/**
 * OAuth / OpenID Connect logins: the `#nuxt-aegis/server/providers` entry (custom providers),
 * the mock identity provider's endpoints, the default route of each enabled provider (unless
 * the app has its own), the plugin that imports the app's provider routes at start, and the
 * provider utils.
 */
export function setupOAuth({ nuxt, resolver, authPath, enabledProviders }: SetupContext) {
  // Custom providers (defineOAuthProvider, OAuthBaseProvider). Also set on Nitro directly: the
  // shorter '#nuxt-aegis' alias must not swallow it.
  const providersEntry = resolver.resolve('./runtime/server/oauth/custom-provider')
  nuxt.options.alias['#nuxt-aegis/server/providers'] = providersEntry
  nuxt.hook('nitro:config', (nitroConfig) => {
    const config = nitroConfig as { alias?: Record<string, string> }
    config.alias = { '#nuxt-aegis/server/providers': providersEntry, ...config.alias }
  })

  const route = (path: string, file: string, method?: 'get' | 'post') =>
    addServerHandler({ route: `${authPath}${path}`, method, handler: resolver.resolve(`./runtime/server/oauth/${file}`) })
  if (enabledProviders.includes('mock')) {
    route('/mock/authorize', 'mock/routes/authorize.get', 'get')
    route('/mock/token', 'mock/routes/token.post', 'post')
    route('/mock/userinfo', 'mock/routes/userinfo.get', 'get')
  }

  // A configured provider works without a route file; a user's route file replaces the default.
  const userRouteFiles: string[] = []
  for (const name of enabledProviders) {
    const own = findUserProviderRoute(layerServerDirs(nuxt), authPath, name)
    if (own) userRouteFiles.push(own)
    else route(`/${name}`, `routes/${name}.get`, 'get')
  }
  // Custom providers (defineOAuthProvider) live only in route files: import those too.
  for (const file of customProviderRoutes(layerServerDirs(nuxt), authPath)) {
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

  addServerImports([
    ...['defineOAuthMockEventHandler'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/providers') })),
    ...['getProviderToken'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/provider-tokens') })),
    ...PROVIDER_HANDLERS.map(name => ({ name, from: resolver.resolve('./runtime/server/utils/providers') })),
  ])

  if (nuxt.options.dev && enabledProviders.includes('mock')) logger.info(`Mock provider on: log in at ${authPath}/mock?user=<persona>`)
}

/** Route names under `<authPath>` that are the module's own endpoints, never provider routes. */
const OWN_ROUTES = new Set(['callback', 'token', 'refresh', 'logout', 'jwks', 'error', 'mock', 'password', 'email', 'mfa', 'link', 'unlink', 'identities', 'passkey'])

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
