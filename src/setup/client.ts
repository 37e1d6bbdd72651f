import { addImports, addPlugin, addRouteMiddleware } from '@nuxt/kit'
import { defu } from 'defu'
import type { SetupContext } from './context'

/** The browser side: composables, plugin, page protection (the pages: setup/pages.ts). */
export function setupClient({ nuxt, resolver, authPath }: SetupContext) {
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
}
