import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decideDevSecret, DEV_SECRET_ENV, writeDevSecret } from '../../src/setup/dev-secret'
import type { DevSecretInput } from '../../src/setup/dev-secret'

function envFileIn(content?: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'aegis-dev-secret-')), '.env')
  if (content !== undefined) writeFileSync(file, content)
  return file
}

function input(overrides: Partial<DevSecretInput> = {}): DevSecretInput {
  return { dev: true, test: false, env: {}, token: { secret: '', algorithm: 'HS256' }, envFile: envFileIn(), ...overrides }
}

describe('dev secret generation (DX-1)', () => {
  it('generates in dev when no secret is set anywhere', () => {
    expect(decideDevSecret(input())).toEqual({ action: 'generate' })
    expect(decideDevSecret(input({ env: { CI: 'false' } }))).toEqual({ action: 'generate' })
  })

  it('never in production or tests', () => {
    expect(decideDevSecret(input({ dev: false }))).toEqual({ action: 'skip', reason: 'not-dev' })
    expect(decideDevSecret(input({ test: true }))).toEqual({ action: 'skip', reason: 'not-dev' })
    expect(decideDevSecret(input({ env: { NODE_ENV: 'production' } }))).toEqual({ action: 'skip', reason: 'not-dev' })
  })

  it('never in CI', () => {
    expect(decideDevSecret(input({ env: { CI: 'true' } }))).toEqual({ action: 'skip', reason: 'ci' })
    expect(decideDevSecret(input({ env: { CI: '1' } }))).toEqual({ action: 'skip', reason: 'ci' })
  })

  it('never over an existing value: option, environment, or a line in .env (even empty)', () => {
    expect(decideDevSecret(input({ token: { secret: 'x'.repeat(40) } }))).toEqual({ action: 'skip', reason: 'configured' })
    expect(decideDevSecret(input({ env: { [DEV_SECRET_ENV]: '' } }))).toEqual({ action: 'skip', reason: 'configured' })
    expect(decideDevSecret(input({ envFile: envFileIn(`A=1\n${DEV_SECRET_ENV}=\n`) }))).toEqual({ action: 'skip', reason: 'in-env-file' })
    expect(decideDevSecret(input({ envFile: envFileIn(`export ${DEV_SECRET_ENV}="mine"`) }))).toEqual({ action: 'skip', reason: 'in-env-file' })
    // A different variable that merely contains the name does not count.
    expect(decideDevSecret(input({ envFile: envFileIn(`MY_${DEV_SECRET_ENV}=x\n`) }))).toEqual({ action: 'generate' })
  })

  it('not for asymmetric keys (no secret needed)', () => {
    expect(decideDevSecret(input({ token: { algorithm: 'ES256' } }))).toEqual({ action: 'skip', reason: 'asymmetric' })
    expect(decideDevSecret(input({ env: { NUXT_AEGIS_TOKEN_ALGORITHM: 'RS256' } }))).toEqual({ action: 'skip', reason: 'asymmetric' })
  })

  it('creates .env with a strong secret, readable by its owner only', () => {
    const file = envFileIn()
    const secret = writeDevSecret(file)
    expect(Buffer.from(secret, 'base64url').length).toBe(48)
    const content = readFileSync(file, 'utf8')
    expect(content).toContain(`\n${DEV_SECRET_ENV}=${secret}\n`)
    expect(statSync(file).mode & 0o077).toBe(0)
    // The next start finds it and leaves it alone.
    expect(decideDevSecret(input({ envFile: file }))).toEqual({ action: 'skip', reason: 'in-env-file' })
  })

  it('appends to an existing .env, keeping every line', () => {
    const file = envFileIn('OTHER=keep') // no trailing newline
    const secret = writeDevSecret(file)
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines[0]).toBe('OTHER=keep')
    expect(lines).toContain(`${DEV_SECRET_ENV}=${secret}`)
    expect(existsSync(file)).toBe(true)
  })

  it('two generations never repeat a secret', () => {
    expect(writeDevSecret(envFileIn())).not.toBe(writeDevSecret(envFileIn()))
  })
})
