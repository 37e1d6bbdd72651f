import { afterEach, describe, expect, it } from 'vitest'
import { applyEnv } from 'nitropack/runtime/internal/utils.env'
import { resolveRevocationConfig, revocationConfigProblems } from '../../src/runtime/server/revocation/config'
import type { RevocationRuntimeConfig } from '../../src/runtime/server/revocation/config'
import { revocationDefaults } from '../../src/setup/revocation-options'

const SENTINEL = 'env-sentinel-value'
const WEAK = 'short-service-token-ZQX'
afterEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('NUXT_AEGIS_REVOCATION_')) Reflect.deleteProperty(process.env, name)
})

function reaches(name: string, field: keyof RevocationRuntimeConfig): boolean {
  const runtimeConfig = { aegis: { revocation: { ...revocationDefaults } } }
  process.env[name] = SENTINEL
  applyEnv(runtimeConfig, { prefix: 'NUXT_', altPrefix: 'NITRO_', envExpansion: false })
  Reflect.deleteProperty(process.env, name)
  return (runtimeConfig.aegis.revocation as Record<string, unknown>)[field] === SENTINEL
}

const CASES: Array<[keyof RevocationRuntimeConfig, unknown]> = [
  ['refreshMs', 50],
  ['refreshMs', 'soon'],
  ['staleAfter', 0],
  ['onStale', 'ignore'],
  ['serviceToken', WEAK],
]

describe('[REV-6] revocation settings', () => {
  it('the defaults are valid: on, 1 s refresh, stale after 60 s, then still accepting, feed off', () => {
    expect(revocationConfigProblems(revocationDefaults)).toEqual([])
    expect(resolveRevocationConfig(revocationDefaults)).toEqual({ enabled: true, refreshMs: 1000, staleAfterMs: 60_000, onStale: 'accept', serviceToken: '' })
    // Env variables arrive as strings.
    expect(resolveRevocationConfig({ enabled: 'false', refreshMs: '250', staleAfter: '5', onStale: 'refuse' })).toMatchObject({ enabled: false, refreshMs: 250, staleAfterMs: 5000, onStale: 'refuse' })
  })

  it.each(CASES)('a bad %s (%s) stops the start, naming an env variable that sets it and never the value', (field, value) => {
    const problems = revocationConfigProblems({ ...revocationDefaults, [field]: value })
    expect(problems).toHaveLength(1)
    expect(problems[0]).not.toContain(WEAK)
    const names = [...problems[0]!.matchAll(/\bNUXT_[A-Z\d_]*[A-Z\d]/g)].map(match => match[0])
    expect(names.some(name => reaches(name, field)), problems[0]).toBe(true)
  })
})
