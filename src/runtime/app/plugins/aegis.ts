import { defineNuxtPlugin, useRuntimeConfig, useState } from '#imports'
import type { Plugin } from '#app'
import { createAuthClient } from '../client'
import type { AegisClient } from '../client'
import { STATE_KEY } from '../state'
import type { AuthState, PublicAegisConfig } from '../state'

/**
 * Creates the auth client. In the browser it checks the refresh cookie once at start-up
 * (the token then lives in memory only); on the server the state stays `unknown`.
 */
const aegisPlugin: Plugin = defineNuxtPlugin({
  name: 'nuxt-aegis',
  setup(nuxtApp) {
    const config = useRuntimeConfig().public.aegis as unknown as PublicAegisConfig
    const state = useState<AuthState>(STATE_KEY, () => ({ user: null, status: 'unknown' }))
    const client = createAuthClient({
      authPath: config.authPath,
      automaticRefresh: config.tokenRefresh.automaticRefresh,
      fetch: (url, options) => $fetch(url, options as Parameters<typeof $fetch>[1]) as never,
      onUser: (user) => {
        state.value = { user, status: user ? 'authenticated' : 'guest' }
      },
    })
    let ready: Promise<unknown> = Promise.resolve()
    if (import.meta.client) {
      const onCallbackPage = window.location.pathname === `${config.authPath}/callback`
      if (!config.tokenRefresh.enabled || onCallbackPage) {
        if (!onCallbackPage) state.value = { user: null, status: 'guest' }
      }
      else {
        ready = client.refresh().catch(() => {
          // Offline or storage trouble: stay logged out for now; the next call will retry.
          if (state.value.status === 'unknown') state.value = { user: null, status: 'guest' }
        })
      }
    }
    nuxtApp.provide('aegis', Object.assign(client, { ready: () => ready }) as AegisClient)
  },
})

export default aegisPlugin
