import { addServerHandler, addServerImports } from '@nuxt/kit'
import { unguardedRouteRules } from '../runtime/server/protection/paths'
import type { SetupContext } from './context'
import { logger } from './context'

/** Route protection: the middleware, GET `<userInfoPath>`, and a warning for globs Nitro's routeRules bypass. */
export function setupProtection({ nuxt, resolver, options: o }: SetupContext) {
  // Nitro applies routeRules proxies and redirects before any server middleware: such routes
  // never reach route protection, so a protected glob over them would be a false promise.
  nuxt.hook('nitro:config', (nitroConfig) => {
    type Rules = Record<string, { proxy?: unknown, redirect?: unknown } | undefined>
    const rules: Rules = { ...(nuxt.options.routeRules as Rules), ...(nitroConfig as { routeRules?: Rules }).routeRules }
    for (const { pattern, glob } of unguardedRouteRules(rules, o.routeProtection.protectedRoutes)) {
      logger.warn(`routeRules["${pattern}"] proxies or redirects, which Nitro does before route protection: routeProtection.protectedRoutes "${glob}" does not guard it. Protect the target instead.`)
    }
  })
  addServerHandler({ middleware: true, handler: resolver.resolve('./runtime/server/protection/protect') })
  addServerHandler({ route: o.endpoints.userInfoPath, method: 'get', handler: resolver.resolve('./runtime/server/protection/routes/me.get') })
  addServerImports([
    ...['getAuthUser', 'requireAuth'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/auth') })),
  ])
}
