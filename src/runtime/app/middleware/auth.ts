import { defineNuxtRouteMiddleware, navigateTo, useCookie, useNuxtApp, useRequestEvent, useRuntimeConfig, useState } from '#imports'
import type { RouteMiddleware } from '#app'
import { REFRESH_COOKIE_SEEN } from '../../server/protection/cache-rules'
import type { AegisClient } from '../client'
import { mayBeProtected } from '../may-be-protected'
import { STATE_KEY } from '../state'
import type { AuthState, PublicAegisConfig } from '../state'

/**
 * Page protection: `definePageMeta({ auth: true })` or a `routeProtection` glob needs a
 * logged-in user; `auth: 'guest'` pages are for logged-out users only.
 */
const aegisAuth: RouteMiddleware = defineNuxtRouteMiddleware(async (to) => {
  const config = useRuntimeConfig().public.aegis as unknown as PublicAegisConfig
  if (to.path === `${config.authPath}/callback` || to.path === config.redirect.error) return
  // Everything that needs the Nuxt context is taken before the first await.
  const nuxtApp = useNuxtApp()
  const state = useState<AuthState>(STATE_KEY)
  const event = import.meta.server ? useRequestEvent() : undefined
  const byGlob = to.meta.auth !== true && to.meta.auth !== false && to.meta.auth !== 'guest'
  // The globs' matcher is a lazy chunk, loaded only for a path some protected glob may match.
  const globProtected = byGlob && mayBeProtected(to.path, config.routeProtection.protectedRoutes)
    && (await import('../lazy/guard')).isProtectedPath(to.path, config.routeProtection)
  const needsUser = to.meta.auth === true || globProtected
  const guestOnly = to.meta.auth === 'guest'
  if (!needsUser && !guestOnly) return

  const go = (target: Parameters<typeof navigateTo>[0]) => nuxtApp.runWithContext(() => navigateTo(target))
  const toLogin = () => go({ path: config.redirect.login, query: { redirectTo: to.fullPath } })
  if (import.meta.server) {
    // What a page that needs a user renders (the page, or a redirect to the login) depends on
    // who asks: never stored by a shared cache. Set on the render itself, since Nitro's route
    // cache (`swr`, `cache`) renders on a response of its own and stores it unless it is private.
    if (needsUser) event?.node.res.setHeader('cache-control', 'private, no-store')
    // The server middleware looked the session up (read-only): trust it. Without that lookup
    // (ssrSession off, or a caching route) only the presence of the cookie is known; the browser
    // checks it for real. A cached render does not see the request's cookies: the server
    // middleware noted it.
    const status = state.value?.status ?? 'unknown'
    if (status === 'authenticated') return guestOnly ? go(config.redirect.success) : undefined
    if (status === 'guest') return needsUser ? toLogin() : undefined
    // The server names it `__Host-<cookieName>` when Secure (production), `<cookieName>` otherwise.
    const names = [`__Host-${config.tokenRefresh.cookieName}`, config.tokenRefresh.cookieName]
    const seen = event?.context[REFRESH_COOKIE_SEEN] as boolean | undefined
    if (needsUser && !(seen ?? names.some(name => nuxtApp.runWithContext(() => useCookie(name).value)))) return toLogin()
    return
  }
  const client = nuxtApp.$aegis as AegisClient
  await client.ready()
  // Still unknown (the start-up check was skipped, e.g. on the callback page): ask now.
  if (state.value?.status === 'unknown') await client.refresh(null).catch(() => null)
  const loggedIn = state.value?.status === 'authenticated'
  if (needsUser && !loggedIn) return toLogin()
  if (guestOnly && loggedIn) return go(config.redirect.success)
})

export default aegisAuth
