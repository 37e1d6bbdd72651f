import { addImports, addPlugin, addRouteMiddleware, extendPages } from '@nuxt/kit'
import { defu } from 'defu'
import type { SetupContext } from './context'

/** The browser side: composables, plugin, page protection, callback and error pages. */
export function setupClient({ nuxt, resolver, options: o, authPath }: SetupContext) {
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
}
