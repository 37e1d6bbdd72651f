/**
 * Other services honour revocations: the feed `GET /auth/revocations` (off unless
 * `revocation.serviceToken` is set; only for that token) and examples/express-api, which verifies
 * through `nuxt-aegis/verify` with `revocations: { url, token, refreshMs }`.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { generateKeyPairSync } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { decodeJwt, loginSession, postWithCookie } from '../support/http'
import { within } from '../support/wait'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SERVICE_TOKEN = 'feed-service-token-0123456789-abcdefghijkl'
const baseUrl = inject('baseUrl')

/** The built `nuxt-aegis/verify`, rebuilt when its sources are newer (the example imports it as a user would). */
function ensureBuiltVerify() {
  const built = `${ROOT}/dist/verify.mjs`
  const sources = ['src/verify.ts', 'src/runtime/server/revocation/list.ts', 'src/runtime/server/tokens/tokens.ts'].map(path => statSync(`${ROOT}/${path}`).mtimeMs)
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources)) return
  execFileSync(process.execPath, [`${ROOT}/node_modules/@nuxt/module-builder/dist/cli.mjs`, 'build'], { cwd: ROOT, stdio: 'inherit' })
}

const feed = (url: string, query = '', token: string | null = SERVICE_TOKEN) =>
  fetch(`${url}/auth/revocations${query}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } })

describe('[REV-7] the revocation feed for other services', () => {
  let app: RunningServer
  let api: ChildProcess
  let apiUrl: string
  let apiOutput = ''

  beforeAll(async () => {
    ensureBuiltVerify()
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    app = await startServer({
      NUXT_AEGIS_TOKEN_ALGORITHM: 'ES256',
      NUXT_AEGIS_TOKEN_PRIVATE_KEY: String(key.export({ type: 'pkcs8', format: 'pem' })),
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
      NUXT_AEGIS_REVOCATION_SERVICE_TOKEN: SERVICE_TOKEN,
    })
    const port = await freePort()
    apiUrl = `http://127.0.0.1:${port}`
    api = spawn(process.execPath, [`${ROOT}/examples/express-api/server.mjs`], {
      env: {
        PATH: process.env.PATH ?? '', PORT: String(port), AEGIS_JWKS_URL: `${app.url}/auth/jwks`, AEGIS_ISSUER: 'nuxt-aegis', AEGIS_AUDIENCE: 'aegis-tests', AEGIS_MAX_TOKEN_AGE: '600',
        AEGIS_REVOCATIONS_URL: `${app.url}/auth/revocations`, AEGIS_REVOCATIONS_TOKEN: SERVICE_TOKEN, AEGIS_REVOCATIONS_REFRESH_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    api.stdout!.on('data', (chunk) => {
      apiOutput += chunk
    })
    api.stderr!.on('data', (chunk) => {
      apiOutput += chunk
    })
    await within(20_000, async () => apiOutput.includes('orders API on'), `example API start:\n${apiOutput}`)
  }, 240_000)

  afterAll(async () => {
    api?.kill()
    await app?.stop()
  })

  it('is off (404) without a service token in the configuration', async () => {
    const response = await feed(baseUrl)
    expect(response.status).toBe(404)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('answers 401 without the service token, with a wrong one, with one of a different length, or with an access token', async () => {
    const user = await loginSession(app.url, 'alice')
    for (const token of [null, SERVICE_TOKEN.replace(/.$/, 'X'), `${SERVICE_TOKEN}x`, SERVICE_TOKEN.slice(0, 10), user.token]) {
      const response = await feed(app.url, '', token)
      expect(response.status, String(token)).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(await response.text()).not.toContain('sid')
    }
    expect((await feed(app.url, '?since=abc')).status).toBe(400)
    expect((await feed(app.url, '?since=1&since=2')).status).toBe(400)
  })

  it('lists the sessions ended, and since=<version> only what came later', async () => {
    const first = await loginSession(app.url, 'alice')
    expect((await postWithCookie(app.url, '/auth/logout', first.jar)).status).toBe(204)
    type Feed = { version: number, entries: Array<{ sid: string, before: number, until: number }> }
    const sid = decodeJwt(first.token).sid as string
    // `version` is what the instance has read from storage in full: wait for its poll to pass the entry.
    let all!: Feed
    await within(5000, async () => {
      all = await (await feed(app.url)).json() as Feed
      const since = await (await feed(app.url, `?since=${all.version}`)).json() as Feed
      return all.entries.some(e => e.sid === sid) && !since.entries.some(e => e.sid === sid)
    }, 'feed version past the first logout')
    const entry = all.entries.find(e => e.sid === sid)
    expect(entry).toBeDefined()
    // A session that ended: every token of it is refused (no claims generation reaches this).
    expect(entry!.before).toBe(Number.MAX_SAFE_INTEGER)
    expect(entry!.until).toBeGreaterThanOrEqual((decodeJwt(first.token).iat as number) + 600)
    expect(all.version).toBeGreaterThan(0)
    const second = await loginSession(app.url, 'bob')
    expect((await postWithCookie(app.url, '/auth/logout', second.jar)).status).toBe(204)
    const later = await (await feed(app.url, `?since=${all.version}`)).json() as Feed
    expect(later.entries.map(e => e.sid)).toEqual([decodeJwt(second.token).sid])
  })

  it('the example API (nuxt-aegis/verify with revocations) refuses a token within refreshMs of its logout', async () => {
    const session = await loginSession(app.url, 'alice')
    const orders = () => fetch(`${apiUrl}/orders`, { headers: { authorization: `Bearer ${session.token}` } })
    expect((await orders()).status).toBe(200)
    expect((await postWithCookie(app.url, '/auth/logout', session.jar)).status).toBe(204)
    await within(300 + 2000, async () => (await orders()).status === 401, 'refused by the example API')
    expect(await (await orders()).json()).toMatchObject({ error: 'invalid_token' })
  })
})
