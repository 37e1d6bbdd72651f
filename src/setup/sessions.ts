import { addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'
import { addPostRoute } from './core'

/** Sessions: the `aegis:refresh` mount, POST `<authPath>/logout` and `/refresh`, the session utils. */
export function setupSessions(ctx: SetupContext) {
  const { nuxt, resolver, options: o } = ctx
  // Storage mounts: Nitro bundles the chosen unstorage drivers.
  const { prefix: _prefix, ...driverOptions } = o.tokenRefresh.storage
  nuxt.hook('nitro:config', (nitroConfig) => {
    const mounts = ((nitroConfig as { storage?: Record<string, unknown> }).storage ??= {})
    mounts['aegis:refresh'] ??= driverOptions
  })
  addPostRoute(ctx, '/logout', 'sessions/routes/logout.post')
  if (o.tokenRefresh.enabled) addPostRoute(ctx, '/refresh', 'sessions/routes/refresh.post')
  addServerImports([
    ...['revokeUserSessions', 'listUserSessions'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/sessions') })),
  ])
}
