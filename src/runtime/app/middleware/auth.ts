import { defineNuxtRouteMiddleware, navigateTo, useCookie, useNuxtApp, useRuntimeConfig, useState } from '#imports'
import type { RouteMiddleware } from '#app'
import { createRouteMatcher, normalizePath } from '../../server/protection/paths'
import type { RouteMatcher } from '../../server/protection/paths'
import type { AegisClient } from '../client'
import { STATE_KEY } from '../state'
import type { AuthState, PublicAegisConfig } from '../state'

let matcher: RouteMatcher | undefined

/**
 * Page protection: `definePageMeta({ auth: true })` or a `routeProtection` glob needs a
 * logged-in user; `auth: 'guest'` pages are for logged-out users only.
 */
const aegisAuth: RouteMiddleware = defineNuxtRouteMiddleware(async (to) => {
  const config = useRuntimeConfig().public.aegis as unknown as PublicAegisConfig
  if (to.path === `${config.authPath}/callback` || to.path === config.redirect.error) return
  matcher ??= createRouteMatcher(config.routeProtection.protectedRoutes, config.routeProtection.publicRoutes)
  const normalized = normalizePath(to.path)
  // A path the normalizer refuses is treated as protected: never fail open.
  const globProtected = normalized === undefined || matcher.isProtected(normalized)
  const needsUser = to.meta.auth === true || (to.meta.auth !== false && to.meta.auth !== 'guest' && globProtected)
  const guestOnly = to.meta.auth === 'guest'
  if (!needsUser && !guestOnly) return

  const toLogin = () => navigateTo({ path: config.redirect.login, query: { redirectTo: to.fullPath } })
  const state = useState<AuthState>(STATE_KEY)
  if (import.meta.server) {
    // The server middleware looked the session up (read-only): trust it. Without that lookup
    // (ssrSession off) only the presence of the cookie is known; the browser checks it for real.
    const status = state.value?.status ?? 'unknown'
    if (status === 'authenticated') return guestOnly ? navigateTo(config.redirect.success) : undefined
    if (status === 'guest') return needsUser ? toLogin() : undefined
    if (needsUser && !useCookie(config.tokenRefresh.cookieName).value) return toLogin()
    return
  }
  const client = useNuxtApp().$aegis as AegisClient
  await client.ready()
  // Still unknown (the start-up check was skipped, e.g. on the callback page): ask now.
  if (state.value?.status === 'unknown') await client.refresh(null).catch(() => null)
  const loggedIn = state.value?.status === 'authenticated'
  if (needsUser && !loggedIn) return toLogin()
  if (guestOnly && loggedIn) return navigateTo(config.redirect.success)
})

export default aegisAuth
