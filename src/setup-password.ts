import { addServerHandler, addServerImports } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defu } from 'defu'
import { passwordDefaults } from './password-options'
import type { PasswordProviderOptions } from './password-options'

/** The `<authPath>/password/*` endpoints, all POST. */
export const PASSWORD_ROUTES = ['register', 'login', 'login/code', 'verify', 'verify/resend', 'reset', 'reset/confirm', 'change'] as const

/**
 * Email + password and credentials login: runtime config, the storage mount for codes and
 * rate-limit counters, the password routes (when `providers.password` is set) and the
 * auto-imported server utils (always: `hashPassword` and `defineCredentialsEventHandler` are
 * useful without the built-in flows).
 */
export function setupPassword(nuxt: Nuxt, resolver: Resolver, input: { password?: PasswordProviderOptions, trustProxy?: boolean | number, authPath: string }) {
  const { storage, ...rest } = input.password ?? {}
  const enabled = input.password !== undefined && input.password.enabled !== false
  const aegis = nuxt.options.runtimeConfig.aegis as Record<string, unknown>
  aegis.password = defu(aegis.password as object, { ...rest, enabled }, passwordDefaults)
  aegis.trustProxy ??= input.trustProxy === true ? 1 : Number(input.trustProxy ?? 0) || 0

  nuxt.hook('nitro:config', (nitroConfig) => {
    const mounts = ((nitroConfig as { storage?: Record<string, unknown> }).storage ??= {})
    mounts['aegis:credentials'] ??= storage ?? { driver: 'memory' }
  })

  if (enabled) {
    for (const path of PASSWORD_ROUTES) {
      const route = `${input.authPath}/password/${path}`
      addServerHandler({ route, method: 'post', handler: resolver.resolve(`./runtime/server/routes/password/${path.replace('/', '-')}.post`) })
      addServerHandler({ route, handler: resolver.resolve('./runtime/server/routes/method-not-allowed') })
    }
  }

  addServerImports([
    ...['hashPassword', 'verifyPassword', 'passwordNeedsRehash', 'definePasswordProvider'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/password') })),
    ...['defineCredentialsEventHandler', 'verifyUserPassword'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/credentials') })),
  ])
}
