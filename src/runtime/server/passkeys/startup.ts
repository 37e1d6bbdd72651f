import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import { passkeyConfigProblems } from './config'
import type { PasskeyConfigShape } from './config'
import { useAegis } from '../context/services'

/** Refuses to start on invalid passkey settings, and in production without `siteUrl` (the RP ID's only source). */
export default defineNitroPlugin(() => {
  const config = useRuntimeConfig().aegisPasskey as unknown as PasskeyConfigShape
  if (config.enabled === false || config.enabled === 'false') return
  const problems = passkeyConfigProblems(config, { production: !import.meta.dev, siteOrigin: useAegis().siteOrigin })
  if (problems.length) {
    const message = `[nuxt-aegis] invalid configuration, refusing to start:\n${problems.map(p => `  - ${p}`).join('\n')}`
    console.error(message)
    throw new Error(message)
  }
})
