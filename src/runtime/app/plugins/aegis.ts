import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig, useState } from '#imports'
import type { Plugin } from '#app'
import { createAuthClient } from '../client'
import type { AegisClient, AuthChannel, AuthMessage } from '../client'
import { SESSION_HINT_SUFFIX } from '../../server/protection/cache-rules'
import { STATE_KEY } from '../state'
import type { AuthState, PublicAegisConfig } from '../state'
import type { AegisClaims } from '../../types'

/**
 * Creates the auth client. On the server the state comes from the read-only session lookup
 * of the request (no token ever reaches HTML or payload). In the browser the client gets an
 * access token from the refresh cookie at start-up (unless the server already saw a guest),
 * and keeps other tabs in step.
 */
const aegisPlugin: Plugin = defineNuxtPlugin({
  name: 'nuxt-aegis',
  setup(nuxtApp) {
    const config = useRuntimeConfig().public.aegis as unknown as PublicAegisConfig
    const state = useState<AuthState>(STATE_KEY, () => ({ user: null, status: 'unknown' }))
    if (import.meta.server) {
      // Set by the server middleware for page renders: the user, or null for a guest.
      const session = useRequestEvent()?.context.aegisSession as { user: AegisClaims | null } | undefined
      if (session) state.value = { user: session.user, status: session.user ? 'authenticated' : 'guest' }
    }
    const client = createAuthClient({
      authPath: config.authPath,
      automaticRefresh: config.tokenRefresh.automaticRefresh,
      apiOrigins: config.apiOrigins,
      // Nuxt's $fetch joins a call without its own baseURL onto app.baseURL: the token decision must too.
      baseURL: useRuntimeConfig().app.baseURL,
      fetch: (url, options) => $fetch(url, options as Parameters<typeof $fetch>[1]) as never,
      onUser: (user) => {
        state.value = { user, status: user ? 'authenticated' : 'guest' }
      },
      channel: import.meta.client ? browserChannel() : undefined,
      lock: import.meta.client ? browserLock() : undefined,
      generation: import.meta.client ? browserGeneration() : undefined,
      sessionHint: import.meta.client ? () => hasSessionHint(config.tokenRefresh.cookieName) : undefined,
    })
    let ready: Promise<unknown> = Promise.resolve()
    if (import.meta.client) {
      const onCallbackPage = window.location.pathname === `${config.authPath}/callback`
      // The session hint cookie, not the HTML, says whether to ask: anonymous pages may come from
      // a cache (that is why they carry no Set-Cookie), so this HTML may not be about this browser.
      // Without the hint the refresh asks nothing (a guest makes no auth request).
      if (!config.tokenRefresh.enabled) {
        state.value = { user: null, status: 'guest' }
      }
      else if (!onCallbackPage) {
        ready = client.refresh(null).catch(() => {
          // Offline or storage trouble: keep what the server said; the next call retries.
          if (state.value.status === 'unknown') state.value = { user: null, status: 'guest' }
        })
      }
    }
    nuxtApp.provide('aegis', Object.assign(client, { ready: () => ready }) as AegisClient)
    nuxtApp.provide('aegisFetch', client.fetch)
  },
})

export default aegisPlugin

const CHANNEL_NAME = 'nuxt-aegis'

/** BroadcastChannel between the tabs of this origin; nothing when the browser lacks it. */
function browserChannel(): AuthChannel | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined
  const channel = new BroadcastChannel(CHANNEL_NAME)
  return {
    post: message => channel.postMessage(message),
    onMessage: (listener) => {
      channel.onmessage = event => listener(event.data as AuthMessage)
    },
  }
}

/** Web Locks: one refresh across all tabs; without them the server's 409 retry keeps tabs safe. */
function browserLock(): (<T>(fn: (contended?: boolean) => Promise<T>) => Promise<T>) | undefined {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks
  if (!locks) return undefined
  const name = `${CHANNEL_NAME}:refresh`
  return async <T>(fn: (contended?: boolean) => Promise<T>) => {
    // First without waiting: when another tab holds the lock, it is refreshing right now.
    const free = await locks.request(name, { ifAvailable: true }, async lock => (lock ? { value: await fn(false) } : null)) as { value: T } | null
    if (free) return free.value
    return locks.request(name, () => fn(true)) as Promise<T>
  }
}

/** The session hint cookie (`<cookieName>-hint`, `__Host-` prefixed when Secure): a `1`, never a token. */
function hasSessionHint(cookieName: string): boolean {
  const name = `${cookieName}${SESSION_HINT_SUFFIX}`
  return document.cookie.split(';').some((pair) => {
    const cut = pair.indexOf('=')
    const key = (cut === -1 ? pair : pair.slice(0, cut)).trim()
    return key === name || key === `__Host-${name}`
  })
}

/** The refresh generation shared by the tabs: a plain counter in localStorage (no secret in it). */
function browserGeneration(): { read: () => number, bump: () => void } | undefined {
  const key = `${CHANNEL_NAME}:refresh-generation`
  try {
    const storage = window.localStorage
    storage.getItem(key)
    return {
      read: () => Number(storage.getItem(key) ?? 0),
      bump: () => storage.setItem(key, String(Number(storage.getItem(key) ?? 0) + 1)),
    }
  }
  catch {
    return undefined // storage blocked: tabs still never log out, thanks to the 409 retry
  }
}
