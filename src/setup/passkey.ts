import { addServerHandler, addServerImports, addServerPlugin } from '@nuxt/kit'
import { defu } from 'defu'
import type { SetupContext } from './context'
import { addPostRoute } from './core'
import { passkeyDefaults } from './passkey-options'

/** The `<authPath>/passkey/*` POST endpoints (register and login, options and verify). */
export const PASSKEY_POST_ROUTES = ['register/options', 'register/verify', 'login/options', 'login/verify'] as const

/**
 * Passkeys (WebAuthn): runtime config (`aegisPasskey`, so NUXT_AEGIS_PASSKEY_* override it),
 * the routes and the start-up check when `providers.passkey` is set, and `definePasskeyProvider`
 * (always auto-imported, so a plugin that registers a store builds without the routes).
 */
export function setupPasskey(ctx: SetupContext) {
  const { nuxt, resolver, authPath } = ctx
  const passkey = ctx.options.providers?.passkey
  const runtimeConfig = nuxt.options.runtimeConfig as Record<string, unknown>
  runtimeConfig.aegisPasskey = defu(runtimeConfig.aegisPasskey as object, passkey ?? {}, { ...passkeyDefaults, enabled: passkey !== undefined && passkey.enabled !== false })
  if (passkey) {
    for (const path of PASSKEY_POST_ROUTES) addPostRoute(ctx, `/passkey/${path}`, `passkeys/routes/${path.replace('/', '-')}.post`)
    addServerHandler({ route: `${authPath}/passkey/credentials`, method: 'get', handler: resolver.resolve('./runtime/server/passkeys/routes/credentials.get') })
    addServerHandler({ route: `${authPath}/passkey/credentials/:id`, method: 'delete', handler: resolver.resolve('./runtime/server/passkeys/routes/credential.delete') })
    for (const route of [`${authPath}/passkey/credentials`, `${authPath}/passkey/credentials/:id`]) {
      addServerHandler({ route, handler: resolver.resolve('./runtime/server/core/routes/method-not-allowed') })
    }
    addServerPlugin(resolver.resolve('./runtime/server/passkeys/startup'))
  }
  addServerImports([{ name: 'definePasskeyProvider', from: resolver.resolve('./runtime/server/utils/passkey') }])
}
