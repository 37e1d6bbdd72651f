/**
 * Another service verifies the module's tokens: examples/express-api (importing
 * `nuxt-aegis/verify` as a user would, from the built package) against a built app that signs
 * with ES256 and publishes /auth/jwks.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { generateKeyPairSync } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { decodeJwt, loginSession } from '../support/http'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey

describe('[VERIFY-2] a separate API verifies the module\'s tokens through /auth/jwks', () => {
  let app: RunningServer
  let api: ChildProcess
  let apiUrl: string
  let apiOutput = ''
  const appKey = ec()

  beforeAll(async () => {
    // The example imports the package's built entry, as a user's service would.
    if (!existsSync(`${ROOT}/dist/verify.mjs`)) {
      execFileSync(process.execPath, [`${ROOT}/node_modules/@nuxt/module-builder/dist/cli.mjs`, 'build'], { cwd: ROOT, stdio: 'inherit' })
    }
    app = await startServer({
      NUXT_AEGIS_TOKEN_ALGORITHM: 'ES256',
      NUXT_AEGIS_TOKEN_PRIVATE_KEY: String(appKey.export({ type: 'pkcs8', format: 'pem' })),
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
    })
    const port = await freePort()
    apiUrl = `http://127.0.0.1:${port}`
    api = spawn(process.execPath, [`${ROOT}/examples/express-api/server.mjs`], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), AEGIS_JWKS_URL: `${app.url}/auth/jwks`, AEGIS_ISSUER: 'nuxt-aegis', AEGIS_AUDIENCE: 'aegis-tests', AEGIS_MAX_TOKEN_AGE: '600' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    api.stdout!.on('data', (chunk) => {
      apiOutput += chunk
    })
    api.stderr!.on('data', (chunk) => {
      apiOutput += chunk
    })
    const deadline = Date.now() + 20_000
    while (!apiOutput.includes('orders API on') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    if (!apiOutput.includes('orders API on')) throw new Error(`example API did not start:\n${apiOutput}`)
  // The project's hookTimeout (240 s): a checkout without dist/ (CI's Nuxt 3 copy) builds the
  // module here first, which took over 120 s on a loaded 2-core machine.
  })

  afterAll(async () => {
    api?.kill()
    await app?.stop()
  })

  const orders = (token?: string) => fetch(`${apiUrl}/orders`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

  it('a real token from a login is accepted and the API sees the user', async () => {
    const session = await loginSession(app.url, 'alice')
    const response = await orders(session.token)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: { sub: 'mock-alice' } })
  })

  it('no token and forged tokens get 401 (HS256 with a guessed secret, another key, alg none, expired, tampered)', async () => {
    const session = await loginSession(app.url, 'alice')
    const claims = decodeJwt(session.token)
    const t = Math.floor(Date.now() / 1000)
    const forge = (header: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0], payload: Record<string, unknown> = {}) =>
      new SignJWT({ ...claims, ...payload }).setProtectedHeader({ typ: 'at+jwt', alg: 'ES256', ...header }).sign(key)
    const kid = (JSON.parse(Buffer.from(session.token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const [h, , s] = session.token.split('.')
    const forged = {
      'HS256 with a guessed secret': await forge({ alg: 'HS256', kid }, new TextEncoder().encode('nuxt-aegis-secret-guess-0123456789abcdef')),
      'another EC key under the app\'s kid': await forge({ kid }, ec()),
      'alg none': `${part({ alg: 'none', typ: 'at+jwt', kid })}.${part(claims)}.`,
      'expired': await forge({ kid }, appKey, { iat: t - 7200, exp: t - 3600 }),
      'tampered payload': `${h}.${part({ ...claims, sub: 'mock-bob' })}.${s}`,
    }
    expect((await orders()).status).toBe(401)
    for (const [name, token] of Object.entries(forged)) {
      const response = await orders(token)
      expect(response.status, name).toBe(401)
      expect(await response.json(), name).toMatchObject({ error: 'invalid_token' })
    }
    // Control: the app's own key does sign acceptable tokens (so the cases above fail on the forgery alone).
    expect((await orders(await forge({ kid }, appKey, { iat: t, exp: t + 60 }))).status).toBe(200)
  })
})
