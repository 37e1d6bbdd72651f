import { addServerHandler, addServerImports, addServerPlugin } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defu } from 'defu'
import { mfaDefaults } from './mfa-options'
import type { MfaOptions, ResolvedMfaOptions } from './mfa-options'

/** The `<authPath>/mfa/*` endpoints: route → handler file. */
export const MFA_ROUTES = {
  'verify': 'verify.post',
  'totp/enroll': 'totp-enroll.post',
  'totp/confirm': 'totp-confirm.post',
  'totp/disable': 'totp-disable.post',
} as const

/**
 * Second factors: runtime config (`runtimeConfig.aegisMfa`, NUXT_AEGIS_MFA_* override it), the
 * routes and the login gate (a server plugin) when `mfa` is set, and `defineMfaProvider`.
 */
export function setupMfa(nuxt: Nuxt, resolver: Resolver, input: { mfa?: MfaOptions, authPath: string }) {
  const enabled = input.mfa !== undefined && input.mfa.enabled !== false
  const runtimeConfig = nuxt.options.runtimeConfig as Record<string, unknown>
  runtimeConfig.aegisMfa = defu(runtimeConfig.aegisMfa as object, defu({ ...input.mfa, enabled }, mfaDefaults) as ResolvedMfaOptions)
  if (enabled) {
    for (const [path, file] of Object.entries(MFA_ROUTES)) {
      const route = `${input.authPath}/mfa/${path}`
      addServerHandler({ route, method: 'post', handler: resolver.resolve(`./runtime/server/mfa/routes/${file}`) })
      addServerHandler({ route, handler: resolver.resolve('./runtime/server/core/routes/method-not-allowed') })
    }
    addServerHandler({ route: `${input.authPath}/mfa/status`, method: 'get', handler: resolver.resolve('./runtime/server/mfa/routes/status.get') })
    addServerPlugin(resolver.resolve('./runtime/server/mfa/plugin'))
  }
  addServerImports([{ name: 'defineMfaProvider', from: resolver.resolve('./runtime/server/utils/mfa') }])
}
