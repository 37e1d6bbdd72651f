import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import type { AegisRuntimeConfig } from './config'
import { validateConfig } from './config'
import { passwordConfigProblems } from '../password/config'
import type { PasswordConfigShape } from '../password/config'
import { emailConfigProblems } from '../email/config'
import type { EmailConfigShape } from '../email/config'
import { log } from '../core/errors'
import { isUnder } from '../protection/paths'
import { keepsTokens, warnKeepTokens } from '../sessions/provider-tokens'
import { isMockEnabled } from '../oauth/mock/guard'
import { useAegis } from './services'
import { revocationConfigProblems } from '../revocation/config'
import type { RevocationRuntimeConfig } from '../revocation/config'
import { impersonationConfigProblems } from '../impersonation/config'

/** Refuses to start on invalid configuration; warns loudly when the mock provider runs in production. */
export default defineNitroPlugin(() => {
  const runtimeConfig = useRuntimeConfig()
  const config = runtimeConfig.aegis as unknown as AegisRuntimeConfig
  // siteUrl falls back to public.siteUrl (NUXT_PUBLIC_SITE_URL): check the one in effect.
  const problems = validateConfig({ ...config, siteUrl: config.siteUrl || String(runtimeConfig.public.siteUrl ?? '') })
  // Checked here too, not only on the first password request: a bad setting must stop the start.
  const password = runtimeConfig.aegisPassword as unknown as PasswordConfigShape & { enabled?: unknown }
  const siteOrigin = originOf(config.siteUrl || String(runtimeConfig.public.siteUrl ?? ''))
  problems.push(...passwordConfigProblems(password, password.enabled ? { production: !import.meta.dev, siteOrigin } : undefined))
  problems.push(...revocationConfigProblems((config as { revocation?: RevocationRuntimeConfig }).revocation))
  const email = runtimeConfig.aegisEmail as unknown as EmailConfigShape | undefined
  if (email?.enabled) problems.push(...emailConfigProblems(email, { production: !import.meta.dev, siteOrigin }))
  problems.push(...impersonationConfigProblems(runtimeConfig.aegisImpersonation as { enabled?: unknown, expiresIn?: string | number } | undefined))
  if (problems.length) {
    const message = `[nuxt-aegis] invalid configuration, refusing to start:\n${problems.map(p => `  - ${p}`).join('\n')}`
    console.error(message)
    throw new Error(message)
  }
  const production = process.env.NODE_ENV === 'production'
  if (production && !config.siteUrl && !runtimeConfig.public.siteUrl) {
    log.warn('nuxtAegis.siteUrl is not set (NUXT_PUBLIC_SITE_URL): logins with real providers are refused (redirect_uri is never built from the Host header in production) and same-origin checks fall back to the request Host header. Set it in production.')
  }
  for (const glob of config.routeProtection.protectedRoutes ?? []) {
    const literalPrefix = glob.toLowerCase().split(/[*?]/)[0]!.replace(/\/+$/, '') || '/'
    if (isUnder(literalPrefix, config.endpoints.authPath)) {
      log.warn(`routeProtection.protectedRoutes "${glob}" is under ${config.endpoints.authPath}, whose endpoints are always public: it has no effect`)
    }
  }
  if (production && isMockEnabled(config.providers.mock)) {
    log.warn('!!! The MOCK provider is enabled in production (enableInProduction): anyone can log in as any persona. Use this only for demos and tests. !!!')
  }
  const keeping = Object.entries(config.providers).filter(([, provider]) => keepsTokens(provider as Record<string, unknown> | undefined)).map(([name]) => name)
  warnKeepTokens(keeping, { sessions: config.tokenRefresh.enabled, encrypted: config.encryption.enabled, production })
  useAegis()
})

/** The origin of a configured siteUrl, '' when unset or unparsable (validateConfig reports that one). */
function originOf(url: string): string {
  try {
    return url ? new URL(url).origin : ''
  }
  catch {
    return ''
  }
}
