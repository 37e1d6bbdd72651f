import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { addServerHandler, addServerImports, addServerPlugin, addTemplate } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defu } from 'defu'
import { passwordDefaults } from './password-options'
import type { PasswordProviderOptions, ResolvedPasswordOptions } from './password-options'

/** The resolved `providers.password` settings (no secret in them). */
export function passwordRuntimeConfig(password: PasswordProviderOptions | undefined): ResolvedPasswordOptions {
  const { storage: _storage, ...rest } = password ?? {}
  return defu({ ...rest, enabled: password !== undefined && password.enabled !== false }, passwordDefaults) as ResolvedPasswordOptions
}

/** The `<authPath>/password/*` endpoints, all POST. */
export const PASSWORD_ROUTES = ['register', 'login', 'login/code', 'verify', 'verify/resend', 'reset', 'reset/confirm', 'change'] as const

/**
 * Email + password and credentials login: runtime config, the password routes (when
 * `providers.password` is set) and the auto-imported server utils (always: `hashPassword` and `defineCredentialsEventHandler` are
 * useful without the built-in flows). Its storage mount (`aegis:credentials`, codes and
 * rate-limit counters) is set up with the others in setup-storage.ts.
 */
export function setupPassword(nuxt: Nuxt, resolver: Resolver, input: { password?: PasswordProviderOptions, trustProxy?: boolean | number, authPath: string }) {
  const enabled = input.password !== undefined && input.password.enabled !== false
  // Own top-level keys (not inside `aegis`), so NUXT_AEGIS_PASSWORD_* and NUXT_AEGIS_TRUST_PROXY override them.
  const runtimeConfig = nuxt.options.runtimeConfig as Record<string, unknown>
  runtimeConfig.aegisPassword = defu(runtimeConfig.aegisPassword as object, passwordRuntimeConfig(input.password))
  runtimeConfig.aegisTrustProxy ??= input.trustProxy === true ? 1 : Number(input.trustProxy ?? 0) || 0

  if (enabled) {
    for (const path of PASSWORD_ROUTES) {
      const route = `${input.authPath}/password/${path}`
      addServerHandler({ route, method: 'post', handler: resolver.resolve(`./runtime/server/password/routes/${path.replace('/', '-')}.post`) })
      addServerHandler({ route, handler: resolver.resolve('./runtime/server/core/routes/method-not-allowed') })
    }
  }

  // Import the app's credentials routes at start, so their customClaims run on refresh even
  // before anyone logged in through them since the server started.
  const serverDirs = nuxt.options._layers.map(layer => layer.config.serverDir ?? join(layer.config.srcDir ?? layer.cwd, 'server'))
  const registry = addTemplate({
    filename: 'nuxt-aegis/credential-routes.mjs',
    write: true,
    getContents: () => findCredentialRoutes(serverDirs).map(file => `import ${JSON.stringify(file)}`).join('\n') + '\nexport default () => {}\n',
  })
  addServerPlugin(registry.dst)
  nuxt.hook('nitro:config', (nitroConfig) => {
    const config = nitroConfig as { externals?: { inline?: string[] } }
    config.externals = defu(config.externals, { inline: [registry.dst] })
  })

  addServerImports([
    ...['hashPassword', 'verifyPassword', 'passwordNeedsRehash', 'definePasswordProvider'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/password') })),
    ...['defineCredentialsEventHandler', 'verifyUserPassword'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/credentials') })),
  ])
}

/** Route files under `server/routes` and `server/api` of every layer that call defineCredentialsEventHandler. */
export function findCredentialRoutes(serverDirs: string[]): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || !existsSync(dir)) return
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path, depth + 1)
      else if (/\.(?:ts|js|mjs|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') && /\bdefineCredentialsEventHandler\s*[<(]/.test(readFileSync(path, 'utf8'))) found.push(path)
    }
  }
  for (const dir of serverDirs) {
    walk(join(dir, 'routes'), 0)
    walk(join(dir, 'api'), 0)
  }
  return found
}
