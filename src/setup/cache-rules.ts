import type { Nuxt } from '@nuxt/schema'
import type { useLogger } from '@nuxt/kit'
import { defu } from 'defu'
import { cachedProtectedRules } from '../runtime/server/protection/cache-rules'
import type { CacheRouteRule } from '../runtime/server/protection/cache-rules'

/**
 * Route rules that cache (`swr`, `cache`, `isr`) and the module.
 * - The module's own routes never go through Nitro's route cache (a site-wide
 *   `'/**': { swr: 60 }` is common): a cached handler sees no cookies and no Host header, so
 *   logins would break, and nothing they answer may be stored.
 * - A warning at build time for cache rules over protected routes. Such a page gets no SSR
 *   session and is rendered `private, no-store` for each user (the rule has no effect on it),
 *   but Nitro's cache has one entry per URL for all users: a protected API route under it would
 *   answer user B with user A's response, and an `isr` page is served by the platform before
 *   route protection runs.
 */
export function setupCacheRules(nuxt: Nuxt, input: { authPath: string, userInfoPath: string, protectedRoutes: string[] }, logger: ReturnType<typeof useLogger>) {
  nuxt.options.routeRules = defu(nuxt.options.routeRules, {
    [`${input.authPath}/**`]: { cache: false as const },
    [input.userInfoPath]: { cache: false as const },
  })
  nuxt.hook('nitro:config', (nitroConfig) => {
    type Rules = Record<string, CacheRouteRule | undefined>
    const rules: Rules = { ...(nuxt.options.routeRules as Rules), ...(nitroConfig as { routeRules?: Rules }).routeRules }
    for (const { pattern, glob } of cachedProtectedRules(rules, input.protectedRoutes)) {
      logger.warn(`routeRules["${pattern}"] caches responses (swr, cache or isr) and meets routeProtection.protectedRoutes "${glob}": one cache entry serves every user. Protected pages there are rendered per user (private, no-store) and never cached; protected API routes there would serve one user's answer to others, and isr pages are served by the platform before protection runs. Turn caching off for them (cache: false).`)
    }
  })
}
