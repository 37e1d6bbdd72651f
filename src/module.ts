import { createResolver, defineNuxtModule } from '@nuxt/kit'
import { defu } from 'defu'
import { defaults } from './options'
import type { ModuleOptions } from './options'
import type { ResolvedModuleOptions, SetupContext } from './setup/context'
import { setupAccounts } from './setup/accounts'
import { setupCacheRules } from './setup/cache-rules'
import { setupClient } from './setup/client'
import { logger } from './setup/context'
import { setupCore } from './setup/core'
import { setupDevSecret } from './setup/dev-secret'
import { setupDevtools } from './setup/devtools'
import { setupHandoff } from './setup/handoff'
import { setupImpersonation } from './setup/impersonation'
import { enabledOAuthProviders, setupOAuth } from './setup/oauth'
import { setupPages } from './setup/pages'
import { setupPassword } from './setup/password'
import { setupPasskey } from './setup/passkey'
import { setupEmail } from './setup/email'
import { setupMfa } from './setup/mfa'
import { setupProtection } from './setup/protection'
import { setupRevocation } from './setup/revocation'
import { setupSessionClaims } from './setup/session-claims'
import { setupRuntimeConfig } from './setup/runtime-config'
import { setupSessions } from './setup/sessions'
import { setupStorage } from './setup/storage'
import { setupTokens } from './setup/tokens'
import { setupTypes } from './setup/types'
import { setupWebSocket } from './setup/websocket'

export type * from './options'
export type * from './runtime/types'

/**
 * The module as a table of contents: options are resolved once, then each capability
 * registers its own runtime config, storage mounts, routes, plugins and auto-imports
 * (src/setup/<capability>.ts, beside the runtime code in src/runtime/server/<capability>/).
 */
export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-aegis',
    configKey: 'nuxtAegis',
    compatibility: { nuxt: '>=3.0.0' },
  },
  defaults,
  setup(options, nuxt) {
    const o = defu(options, defaults) as ResolvedModuleOptions
    const ctx: SetupContext = {
      nuxt,
      resolver: createResolver(import.meta.url),
      options: o,
      authPath: o.endpoints.authPath.replace(/\/+$/, '') || '/auth',
      enabledProviders: enabledOAuthProviders(o),
    }

    setupDevSecret(ctx) //     nuxi dev without a token secret: one generated into .env
    setupRuntimeConfig(ctx) // private and public runtime config of every capability
    setupStorage(ctx.nuxt, ctx.resolver, { //  storage mounts, with defaults per driver
      'aegis:refresh': o.tokenRefresh.storage,
      ...(o.authCode.storage ? { 'aegis:codes': o.authCode.storage } : {}),
      'aegis:credentials': o.providers?.password?.storage,
    })
    setupCore(ctx) //          #nuxt-aegis types alias, start-up plugin (config checks, services)
    setupProtection(ctx) //    middleware, GET <userInfoPath>, getAuthUser / requireAuth
    setupCacheRules(ctx.nuxt, { authPath: ctx.authPath, userInfoPath: o.endpoints.userInfoPath, protectedRoutes: o.routeProtection.protectedRoutes }, logger)
    setupHandoff(ctx) //       POST <authPath>/token, aegis:codes mount
    setupSessions(ctx) //      aegis:refresh mount, POST <authPath>/logout and /refresh, session utils
    setupTokens(ctx) //        GET <authPath>/jwks
    setupRevocation(ctx) //    revocation list kept fresh per instance, GET <authPath>/revocations
    setupSessionClaims(ctx) // updateSessionClaims (claims changed while logged in)
    setupOAuth(ctx) //         providers entry, mock IdP, provider routes, provider utils
    setupPassword(ctx.nuxt, ctx.resolver, { password: o.providers?.password, trustProxy: o.trustProxy, authPath: ctx.authPath })
    setupPasskey(ctx) //       <authPath>/passkey/* routes, definePasskeyProvider
    setupEmail(ctx.nuxt, ctx.resolver, { email: o.providers?.email, authPath: ctx.authPath })
    setupMfa(ctx.nuxt, ctx.resolver, { mfa: o.mfa, authPath: ctx.authPath })
    setupAccounts(ctx) //      account linking routes, defineAccounts
    setupWebSocket(ctx) //     WebSocket utils
    setupImpersonation(ctx) // POST <authPath>/impersonate and /impersonate/stop, start/stopImpersonation
    setupClient(ctx) //        composables, plugin, page middleware
    setupPages(ctx) //         callback and error pages (replaceable, texts), <AuthState>
    setupDevtools(ctx) //      nuxi dev only: the Nuxt DevTools tab and its routes
    setupTypes(ctx) //         type augmentations
  },
})
