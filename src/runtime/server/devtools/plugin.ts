import { defineNitroPlugin } from 'nitropack/runtime'
import type { NitroApp } from 'nitropack/types'
import type { LogoutHookPayload, RefreshHookPayload, SuccessHookPayload, TokenReuseHookPayload } from '../../types'
import { recordAuthEvent } from './events'

type Hooks = { hook: (name: string, fn: (payload: never) => void) => void }

/** Dev only: records the module's lifecycle hooks for the DevTools tab's event list. */
export default defineNitroPlugin((nitroApp: NitroApp) => {
  const hooks = nitroApp.hooks as unknown as Hooks
  hooks.hook('nuxt-aegis:success', (payload: SuccessHookPayload) => {
    recordAuthEvent('login', payload.user, { provider: payload.provider })
  })
  hooks.hook('nuxt-aegis:refresh', (payload: RefreshHookPayload) => {
    recordAuthEvent('refresh', payload.user, { session: payload.session })
  })
  hooks.hook('nuxt-aegis:tokenReuse', (payload: TokenReuseHookPayload) => {
    recordAuthEvent('reuse', payload.user, { session: payload.session, detail: 'a rotated refresh token was replayed: its session family was revoked' })
  })
  hooks.hook('nuxt-aegis:logout', (payload: LogoutHookPayload) => {
    recordAuthEvent('logout', payload.user, { session: payload.session, ...(payload.revoked ? { detail: `everywhere: ${payload.revoked} sessions ended` } : {}) })
  })
})
