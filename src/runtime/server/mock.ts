import { isTruthy } from './lib/config'

/** The mock provider is for dev and tests: off when NODE_ENV is production unless explicitly allowed. */
export function isMockEnabled(config: { enabled?: unknown, enableInProduction?: unknown } | undefined): boolean {
  if (!config || config.enabled === false) return false
  return process.env.NODE_ENV !== 'production' || isTruthy(config.enableInProduction)
}
