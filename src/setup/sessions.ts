import { addServerHandler, addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'
import { addPostRoute } from './core'

/**
 * Sessions: POST `<authPath>/logout` and `/refresh`; with sessions on, the user's own session list
 * (GET `/sessions`, DELETE `/sessions/:id`, POST `/sessions/revoke-others`); the session utils
 * (the `aegis:refresh` mount is set up in storage.ts).
 */
export function setupSessions(ctx: SetupContext) {
  const { resolver, options: o, authPath } = ctx
  addPostRoute(ctx, '/logout', 'sessions/routes/logout.post')
  if (o.tokenRefresh.enabled) {
    addPostRoute(ctx, '/refresh', 'sessions/routes/refresh.post')
    addPostRoute(ctx, '/sessions/revoke-others', 'sessions/routes/revoke-others.post')
    // One handler per path for every method: each answers 405 with its own Allow for the others.
    addServerHandler({ route: `${authPath}/sessions`, handler: resolver.resolve('./runtime/server/sessions/routes/sessions') })
    addServerHandler({ route: `${authPath}/sessions/:id`, handler: resolver.resolve('./runtime/server/sessions/routes/session') })
  }
  addServerImports([
    ...['revokeUserSessions', 'listUserSessions', 'revokeSession'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/sessions') })),
  ])
}
