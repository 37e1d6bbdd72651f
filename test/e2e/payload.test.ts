import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { FIXTURE_DIR, TEST_SECRET } from '../support/server'
import { login, loginSession, send } from '../support/http'
import type { Session } from '../support/http'

const baseUrl = inject('baseUrl')
const MOCK_CLIENT_ID = 'nuxt-aegis-mock'
const page = { 'accept': 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

let session: Session
beforeAll(async () => {
  session = await loginSession(baseUrl, 'alice')
})

/** Strings that must never reach the browser outside their cookie / response body. */
function secrets(): Record<string, string> {
  return {
    'token secret': TEST_SECRET,
    'mock client id': MOCK_CLIENT_ID,
    'refresh token': session.refreshToken,
    'refresh token secret': session.refreshToken.split('.')[1]!,
    'refresh token id': session.refreshToken.split('.')[0]!,
    'access token': session.token,
    'access token signature': session.token.split('.')[2]!,
  }
}

function expectNoSecrets(text: string, where: string) {
  for (const [name, value] of Object.entries(secrets())) {
    expect(text.includes(value), `${name} in ${where}`).toBe(false)
  }
}

interface ShippedConfig {
  public: { aegis: Record<string, unknown> } & Record<string, unknown>
  [key: string]: unknown
}

/** `window.__NUXT__.config` as the page ships it, evaluated in an empty sandbox. */
function nuxtConfig(html: string): ShippedConfig {
  const script = /<script>(window\.__NUXT__=\{\};window\.__NUXT__\.config=[\s\S]*?)<\/script>/.exec(html)
  expect(script, 'window.__NUXT__.config script').not.toBeNull()
  const sandbox = { window: {} as { __NUXT__?: { config?: ShippedConfig } } }
  runInNewContext(script![1]!, sandbox, { timeout: 1000 })
  return sandbox.window.__NUXT__!.config!
}

/** Every key path of an object, e.g. `public.aegis.tokenRefresh.cookieName`. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...keyPaths(child, `${prefix}${key}.`)])
}

describe('SSR HTML and payload carry no secret', () => {
  const pages = ['/', '/login', '/members', '/auth/error?error=access_denied']

  for (const path of pages) {
    it(`[CFG-3] GET ${path} with a live session: no secret, client secret, refresh or access token in the HTML`, async () => {
      const response = await send(new URL(path, baseUrl), { headers: page, jar: session.jar })
      expect(response.status).toBeLessThan(400)
      const html = await response.text()
      expectNoSecrets(html, path)
    })
  }

  it('[CFG-3] the callback page (with its CODE) and /_payload.json carry no secret', async () => {
    const { jar, location } = await login(baseUrl, 'bob')
    const callbackPage = await send(location, { headers: page, jar })
    expect(callbackPage.status).toBe(200)
    expectNoSecrets(await callbackPage.text(), '/auth/callback')
    for (const path of ['/_payload.json', '/members/_payload.json']) {
      const response = await send(new URL(path, baseUrl), { jar: session.jar })
      expect(response.status).toBeLessThan(500)
      expectNoSecrets(await response.text(), path)
    }
  })

  it('[CFG-3] window.__NUXT__.config: public.aegis has the paths and flags, but no token, secret or provider credential', async () => {
    const html = await (await send(new URL('/', baseUrl), { headers: page })).text()
    const config = nuxtConfig(html)
    // The private runtime config never ships.
    expect(config).not.toHaveProperty('aegis')
    expect(Object.keys(config).sort()).toEqual(['app', 'public'])
    const aegis = config.public.aegis
    expect(aegis).toMatchObject({
      authPath: '/auth',
      userInfoPath: '/api/user/me',
      redirect: { login: '/login', error: '/auth/error' },
      tokenRefresh: { cookieName: 'nuxt-aegis-refresh' },
      routeProtection: { protectedRoutes: ['/api/protected/**', '/members/**'], publicRoutes: ['/api/protected/open'] },
      // The fixture also configures an oidc provider (pointed at a local oidc-provider in e2e).
      providers: ['oidc', 'mock'],
    })
    const paths = keyPaths(config)
    const forbidden = paths.filter(path => /(?:^|\.)(?:token|secret|clientSecret|clientId|privateKey|key|encryption|mockUsers|audience|issuer)$/i.test(path) || /secret/i.test(path))
    expect(forbidden).toEqual([])
    expect(JSON.stringify(config)).not.toContain(MOCK_CLIENT_ID)
    expect(JSON.stringify(config)).not.toContain('alice@example.com')
  })

  it('[CFG-3] the client bundle holds no private configuration (mock client id, personas, secret)', () => {
    const dir = join(FIXTURE_DIR, '.output/public')
    expect(existsSync(dir)).toBe(true)
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter(entry => entry.isFile())
    expect(files.some(entry => entry.name.endsWith('.js'))).toBe(true)
    for (const entry of files) {
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8')
      expect(text.includes(MOCK_CLIENT_ID), entry.name).toBe(false)
      expect(text.includes('alice@example.com'), entry.name).toBe(false)
      expect(text.includes('Alice Fixture'), entry.name).toBe(false)
      expect(text.includes(TEST_SECRET), entry.name).toBe(false)
    }
  })

  it('[CLIENT-2] the callback page is rendered in the browser only: the CODE is not in its HTML, and it is never cached or sent as Referer', async () => {
    const { jar, code, handoff } = await login(baseUrl, 'alice')
    const response = await send(`${baseUrl}/auth/callback?code=${code}`, { headers: page, jar })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await response.text()
    expect(html).not.toContain(code)
    // Nor the HttpOnly binding of the CODE.
    expect(html).not.toContain(handoff)
  })
})
