import { addServerHandler, addServerImports } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defu } from 'defu'
import { emailDefaults } from './email-options'
import type { EmailProviderOptions, ResolvedEmailOptions } from './email-options'

/** The `<authPath>/email/*` endpoints, all POST. */
export const EMAIL_ROUTES = ['start', 'verify'] as const

/**
 * Email one-time code and magic-link login: runtime config (`runtimeConfig.aegisEmail`, so
 * NUXT_AEGIS_EMAIL_* override it), the routes when `providers.email` is set, and the
 * `defineEmailProvider` server util. Codes and counters share the credentials store
 * (`aegis:credentials`) with the password flows.
 */
export function setupEmail(nuxt: Nuxt, resolver: Resolver, input: { email?: EmailProviderOptions, authPath: string }) {
  const enabled = input.email !== undefined && input.email.enabled !== false
  const runtimeConfig = nuxt.options.runtimeConfig as Record<string, unknown>
  runtimeConfig.aegisEmail = defu(runtimeConfig.aegisEmail as object, defu({ ...input.email, enabled }, emailDefaults) as ResolvedEmailOptions)
  if (enabled) {
    for (const path of EMAIL_ROUTES) {
      const route = `${input.authPath}/email/${path}`
      addServerHandler({ route, method: 'post', handler: resolver.resolve(`./runtime/server/email/routes/${path}.post`) })
      addServerHandler({ route, handler: resolver.resolve('./runtime/server/core/routes/method-not-allowed') })
    }
  }
  addServerImports([{ name: 'defineEmailProvider', from: resolver.resolve('./runtime/server/utils/email') }])
}
