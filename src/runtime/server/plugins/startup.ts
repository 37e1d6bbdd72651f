import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import type { AegisRuntimeConfig } from '../lib/config'
import { validateConfig } from '../lib/config'
import { log } from '../lib/errors'
import { isMockEnabled } from '../mock'
import { useAegis } from '../services'

/** Refuses to start on invalid configuration; warns loudly when the mock provider runs in production. */
export default defineNitroPlugin(() => {
  const runtimeConfig = useRuntimeConfig()
  const config = runtimeConfig.aegis as unknown as AegisRuntimeConfig
  // siteUrl falls back to public.siteUrl (NUXT_PUBLIC_SITE_URL): check the one in effect.
  const problems = validateConfig({ ...config, siteUrl: config.siteUrl || String(runtimeConfig.public.siteUrl ?? '') })
  if (problems.length) {
    const message = `[nuxt-aegis] invalid configuration, refusing to start:\n${problems.map(p => `  - ${p}`).join('\n')}`
    console.error(message)
    throw new Error(message)
  }
  if (process.env.NODE_ENV === 'production' && isMockEnabled(config.providers.mock)) {
    log.warn('!!! The MOCK provider is enabled in production (enableInProduction): anyone can log in as any persona. Use this only for demos and tests. !!!')
  }
  useAegis()
})
