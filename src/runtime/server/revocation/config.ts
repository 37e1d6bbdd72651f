import { optionName } from '../context/config-names'
import type { OnStale } from './list'

/** `runtimeConfig.aegis.revocation` (NUXT_AEGIS_REVOCATION_*). */
export interface RevocationRuntimeConfig {
  enabled: boolean | string
  refreshMs: number | string
  staleAfter: number | string
  onStale: OnStale | string
  serviceToken: string
}

export interface ResolvedRevocationConfig {
  enabled: boolean
  refreshMs: number
  staleAfterMs: number
  onStale: OnStale
  serviceToken: string
}

const MIN_SERVICE_TOKEN_BYTES = 32

/** The settings as numbers and flags (env variables arrive as strings). */
export function resolveRevocationConfig(config: Partial<RevocationRuntimeConfig> | undefined): ResolvedRevocationConfig {
  return {
    enabled: config?.enabled === undefined ? true : config.enabled === true || config.enabled === 'true' || config.enabled === '1',
    refreshMs: Number(config?.refreshMs ?? 1000),
    staleAfterMs: Number(config?.staleAfter ?? 60) * 1000,
    onStale: config?.onStale === 'refuse' ? 'refuse' : 'accept',
    serviceToken: String(config?.serviceToken ?? ''),
  }
}

/** Problems that must stop the start; each names the option and its env variable, never a secret. */
export function revocationConfigProblems(config: Partial<RevocationRuntimeConfig> | undefined): string[] {
  const problems: string[] = []
  const refreshMs = Number(config?.refreshMs ?? 1000)
  if (!Number.isFinite(refreshMs) || refreshMs < 100 || refreshMs > 60_000) problems.push(`${optionName('revocation.refreshMs')} must be between 100 and 60000 ms`)
  const staleAfter = Number(config?.staleAfter ?? 60)
  if (!Number.isFinite(staleAfter) || staleAfter <= 0) problems.push(`${optionName('revocation.staleAfter')} must be a positive number of seconds`)
  if (config?.onStale !== undefined && config.onStale !== 'accept' && config.onStale !== 'refuse') problems.push(`${optionName('revocation.onStale')} must be 'accept' or 'refuse'`)
  const token = String(config?.serviceToken ?? '')
  if (token && Buffer.byteLength(token, 'utf8') < MIN_SERVICE_TOKEN_BYTES) problems.push(`${optionName('revocation.serviceToken')} is too weak: it must be at least ${MIN_SERVICE_TOKEN_BYTES} bytes`)
  return problems
}
