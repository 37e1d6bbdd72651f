import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, startExpectingFailure, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { loginSession } from '../support/http'

const baseUrl = inject('baseUrl')
const valid = { NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET }

async function expectRefusal(env: Record<string, string>, names: string) {
  const { code, output } = await startExpectingFailure(env)
  expect(code, output).not.toBe(0)
  expect(code, output).not.toBeNull()
  expect(output).toContain('refusing to start')
  expect(output).toContain(names)
  expect(output).not.toContain('Listening on')
  return output
}

describe('start-up checks of the built server', () => {
  it('[CFG-4] without NUXT_AEGIS_TOKEN_SECRET → exits non-zero naming NUXT_AEGIS_TOKEN_SECRET', async () => {
    await expectRefusal({}, 'NUXT_AEGIS_TOKEN_SECRET')
  })

  it('[CFG-4] an empty NUXT_AEGIS_TOKEN_SECRET is missing too', async () => {
    await expectRefusal({ NUXT_AEGIS_TOKEN_SECRET: '' }, 'NUXT_AEGIS_TOKEN_SECRET')
  })

  it('[CFG-4] a weak (20-byte) secret → exits non-zero, names NUXT_AEGIS_TOKEN_SECRET, never prints the value', async () => {
    const weak = 'Wk7-zQ9-distinct-20c'
    expect(weak).toHaveLength(20)
    const output = await expectRefusal({ NUXT_AEGIS_TOKEN_SECRET: weak }, 'NUXT_AEGIS_TOKEN_SECRET')
    expect(output).not.toContain(weak)
    expect(output).not.toContain(weak.slice(0, 8))
  })

  it('[CFG-2] [CFG-4] NUXT_AEGIS_PROVIDERS_MOCK_CLIENT_ID=\'\' overrides the built-in client id at run time and fails naming it', async () => {
    await expectRefusal({ ...valid, NUXT_AEGIS_PROVIDERS_MOCK_CLIENT_ID: '' }, 'NUXT_AEGIS_PROVIDERS_MOCK_CLIENT_ID')
  })

  it('[CFG-4] NUXT_AEGIS_TOKEN_EXPIRES_IN=bogus fails naming NUXT_AEGIS_TOKEN_EXPIRES_IN', async () => {
    await expectRefusal({ ...valid, NUXT_AEGIS_TOKEN_EXPIRES_IN: 'bogus' }, 'NUXT_AEGIS_TOKEN_EXPIRES_IN')
  })

  it('[CFG-4] encryption on without a key, or with a short one, fails naming NUXT_AEGIS_ENCRYPTION_KEY and never prints the key', async () => {
    await expectRefusal({ ...valid, NUXT_AEGIS_ENCRYPTION_ENABLED: 'true' }, 'NUXT_AEGIS_ENCRYPTION_KEY')
    const short = 'short-enc-key-Qx81'
    const output = await expectRefusal({ ...valid, NUXT_AEGIS_ENCRYPTION_ENABLED: 'true', NUXT_AEGIS_ENCRYPTION_KEY: short }, 'NUXT_AEGIS_ENCRYPTION_KEY')
    expect(output).not.toContain(short)
  })

  it('[CFG-4] an invalid NUXT_PUBLIC_SITE_URL fails naming it', async () => {
    await expectRefusal({ ...valid, NUXT_PUBLIC_SITE_URL: 'not a url' }, 'NUXT_PUBLIC_SITE_URL')
  })

  it('[CFG-5] previousPublicKeys, encryption previousKeys, authCode.expiresIn, absoluteTimeout and reuseInterval set by env fail naming their env var', async () => {
    const ec = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    await expectRefusal({ ...valid, NUXT_AEGIS_TOKEN_ALGORITHM: 'ES256', NUXT_AEGIS_TOKEN_PRIVATE_KEY: ec, NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS: '["not a key"]' }, 'nuxtAegis.token.previousPublicKeys (NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS): a key')
    const short = 'short-previous-key-Qx81'
    const output = await expectRefusal({ ...valid, NUXT_AEGIS_ENCRYPTION_ENABLED: 'true', NUXT_AEGIS_ENCRYPTION_KEY: 'k'.repeat(32), NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS: JSON.stringify([short]) }, 'NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS')
    expect(output).not.toContain(short)
    await expectRefusal({ ...valid, NUXT_AEGIS_AUTH_CODE_EXPIRES_IN: '601' }, 'nuxtAegis.authCode.expiresIn (NUXT_AEGIS_AUTH_CODE_EXPIRES_IN)')
    await expectRefusal({ ...valid, NUXT_AEGIS_TOKEN_REFRESH_ABSOLUTE_TIMEOUT: 'forever' }, 'nuxtAegis.tokenRefresh.absoluteTimeout (NUXT_AEGIS_TOKEN_REFRESH_ABSOLUTE_TIMEOUT)')
    await expectRefusal({ ...valid, NUXT_AEGIS_TOKEN_REFRESH_REUSE_INTERVAL: '3600' }, 'nuxtAegis.tokenRefresh.reuseInterval (NUXT_AEGIS_TOKEN_REFRESH_REUSE_INTERVAL)')
  })

  it('[CFG-5] a bad password setting stops the start (not only the first password request), naming its env var', async () => {
    await expectRefusal({ ...valid, NUXT_AEGIS_PASSWORD_CODE_DIGITS: '4' }, 'nuxtAegis.providers.password.code.digits (NUXT_AEGIS_PASSWORD_CODE_DIGITS)')
  })

  it('[CFG-4] several problems are all reported at once, and the secret is still not printed', async () => {
    const weak = 'Zz-another-weak-one!'
    const output = await expectRefusal({ NUXT_AEGIS_TOKEN_SECRET: weak, NUXT_AEGIS_TOKEN_EXPIRES_IN: 'bogus' }, 'NUXT_AEGIS_TOKEN_SECRET')
    expect(output).toContain('NUXT_AEGIS_TOKEN_EXPIRES_IN')
    expect(output).not.toContain(weak)
  })
})

describe('NUXT_AEGIS_TOKEN_SECRET is read at run time (no rebuild)', () => {
  const OTHER_SECRET = 'runtime-override-secret-0123456789-ZYXWVUTSRQPONM'
  let other: RunningServer
  beforeAll(async () => {
    other = await startServer({ NUXT_AEGIS_TOKEN_SECRET: OTHER_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })
  })
  afterAll(async () => {
    await other?.stop()
  })

  const whoami = (server: string, token: string) =>
    fetch(new URL('/api/protected/whoami', server), { headers: { authorization: `Bearer ${token}` } })

  it('[CFG-2] a token of the main server is invalid on a server started with another secret, and vice versa', async () => {
    const main = await loginSession(baseUrl, 'alice')
    const second = await loginSession(other.url, 'alice')
    // Each server accepts its own tokens (control) ...
    expect((await whoami(baseUrl, main.token)).status).toBe(200)
    expect((await whoami(other.url, second.token)).status).toBe(200)
    // ... and refuses the other's: the same build signs with the secret given at run time.
    expect((await whoami(other.url, main.token)).status).toBe(401)
    expect((await whoami(baseUrl, second.token)).status).toBe(401)
  })
})

describe('[VERIFY-3] start-up warnings for keepTokens (the fixture\'s oidc provider keeps its tokens)', () => {
  async function startupOutput(env: Record<string, string>): Promise<string> {
    const server = await startServer({ ...valid, ...env })
    await server.stop()
    return server.output()
  }

  it('warns in production when provider tokens would be stored unencrypted, and not once encryption is on', async () => {
    const plain = await startupOutput({})
    expect(plain).toMatch(/providers oidc keep their tokens in session storage unencrypted.*NUXT_AEGIS_ENCRYPTION_KEY/)
    const encrypted = await startupOutput({ NUXT_AEGIS_ENCRYPTION_ENABLED: 'true', NUXT_AEGIS_ENCRYPTION_KEY: 'startup-test-encryption-key-0123456789-abcdef' })
    expect(encrypted).not.toContain('keep their tokens')
    expect(encrypted).not.toContain('keepTokens')
  })

  it('warns when keepTokens is on but sessions are off (getProviderToken answers 409 then)', async () => {
    const output = await startupOutput({ NUXT_AEGIS_TOKEN_REFRESH_ENABLED: 'false' })
    expect(output).toContain('providers oidc have keepTokens on, but tokenRefresh is off')
  })
})
