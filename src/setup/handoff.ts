import type { SetupContext } from './context'
import { addPostRoute } from './core'

/** The CODE hand-off: POST `<authPath>/token`, and the `aegis:codes` mount when CODEs are shared. */
export function setupHandoff(ctx: SetupContext) {
  const { nuxt, options: o } = ctx
  nuxt.hook('nitro:config', (nitroConfig) => {
    const mounts = ((nitroConfig as { storage?: Record<string, unknown> }).storage ??= {})
    if (o.authCode.storage) mounts['aegis:codes'] ??= o.authCode.storage
  })
  addPostRoute(ctx, '/token', 'handoff/routes/token.post')
}
