import { addServerImports } from '@nuxt/kit'
import { defu } from 'defu'
import type { SetupContext } from './context'
import { addPostRoute } from './core'
import { impersonationDefaults } from './impersonation-options'
import type { ImpersonationOptions } from './impersonation-options'

/**
 * Impersonation: its runtime config (its own key, so NUXT_AEGIS_IMPERSONATION_ENABLED and
 * NUXT_AEGIS_IMPERSONATION_EXPIRES_IN turn it on and set it at run time), POST
 * `<authPath>/impersonate` and `/impersonate/stop` (404 while it is off) and the server utils.
 */
export function setupImpersonation(ctx: SetupContext) {
  const options = ctx.options.impersonation as ImpersonationOptions | undefined
  const runtimeConfig = ctx.nuxt.options.runtimeConfig as Record<string, unknown>
  runtimeConfig.aegisImpersonation = defu(runtimeConfig.aegisImpersonation as object, options ?? {}, impersonationDefaults)
  addPostRoute(ctx, '/impersonate', 'impersonation/routes/start.post')
  addPostRoute(ctx, '/impersonate/stop', 'impersonation/routes/stop.post')
  addServerImports(['startImpersonation', 'stopImpersonation'].map(name => ({ name, from: ctx.resolver.resolve('./runtime/server/utils/impersonation') })))
}
