import { useRuntimeConfig } from 'nitropack/runtime'
import { isTruthy, parseDuration } from '../context/config'
import { envName } from '../context/config-names'

/** Impersonation settings, read once (runtime config `aegisImpersonation`, NUXT_AEGIS_IMPERSONATION_*). */
export interface ImpersonationConfig {
  enabled: boolean
  /** Seconds an impersonation token lives (before capping at `token.expiresIn`). */
  expiresIn: number
}

interface RawConfig { enabled?: unknown, expiresIn?: string | number }

const optionNameOf = (field: string) => `nuxtAegis.impersonation.${field} (${envName(`aegisImpersonation.${field}`)})`

/** What is wrong with the settings, for the start-up check (an empty list when nothing is). */
export function impersonationConfigProblems(raw: RawConfig | undefined): string[] {
  if (!isTruthy(raw?.enabled)) return []
  return parseDuration(raw?.expiresIn ?? '15m') === undefined ? [`${optionNameOf('expiresIn')} must be a duration such as 900 or '15m'`] : []
}

let config: ImpersonationConfig | undefined

export function useImpersonationConfig(): ImpersonationConfig {
  if (config) return config
  const raw = (useRuntimeConfig().aegisImpersonation ?? {}) as RawConfig
  config = { enabled: isTruthy(raw.enabled), expiresIn: parseDuration(raw.expiresIn ?? '15m') ?? 900 }
  return config
}
