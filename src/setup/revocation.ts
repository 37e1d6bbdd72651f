import { addServerHandler, addServerPlugin } from '@nuxt/kit'
import { defu } from 'defu'
import type { SetupContext } from './context'
import { revocationDefaults } from './revocation-options'

/**
 * Instant revocation of access tokens: its runtime config (`runtimeConfig.aegis.revocation`,
 * NUXT_AEGIS_REVOCATION_*), the plugin that keeps the in-memory list fresh, and the feed for
 * other services, `GET <authPath>/revocations` (answers 404 unless `serviceToken` is set).
 */
export function setupRevocation({ nuxt, resolver, options: o, authPath }: SetupContext) {
  const aegis = nuxt.options.runtimeConfig.aegis as Record<string, unknown>
  aegis.revocation = defu(aegis.revocation as object, o.revocation, revocationDefaults)
  addServerPlugin(resolver.resolve('./runtime/server/revocation/sync'))
  addServerHandler({ route: `${authPath}/revocations`, method: 'get', handler: resolver.resolve('./runtime/server/revocation/routes/revocations.get') })
}
