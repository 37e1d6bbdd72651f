import { addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'
import { addPostRoute } from './core'

/** Sessions: POST `<authPath>/logout` and `/refresh`, the session utils (the `aegis:refresh` mount is set up in storage.ts). */
export function setupSessions(ctx: SetupContext) {
  const { resolver, options: o } = ctx
  addPostRoute(ctx, '/logout', 'sessions/routes/logout.post')
  if (o.tokenRefresh.enabled) addPostRoute(ctx, '/refresh', 'sessions/routes/refresh.post')
  addServerImports([
    ...['revokeUserSessions', 'listUserSessions'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/sessions') })),
  ])
}
