/**
 * The newcomer path, for one Nuxt major: a fresh app from README.md and the packed module;
 * install, `nuxi typecheck`, `nuxi dev` (no secret set: the module generates one) with a mock
 * login over HTTP, then the production build with a login through a local OpenID provider.
 */
import { existsSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { CookieJar } from '../support/http'
import { login, redeem, send } from '../support/http'
import { appCallback, providerRoundTrip } from '../support/oidc-flow'
import { OIDC_CLIENT, startOidcProvider } from '../support/oidc-provider'
import { freePort } from '../support/server'
import { checkDevtoolsInBrowser, checkDevtoolsRoutes } from './devtools'
import { createFreshApp, waitForHttp } from './fresh-app'
import type { RunningProcess } from './fresh-app'

const PAGE = { 'accept': 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }
const SECRET = 'packed-check-only-secret-0123456789-abcdefghijklmn'

/** Waits until the app's protected README route answers as such (401): Nuxt is up, the module loaded. */
async function waitForApp(base: string, server: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  await waitForHttp(base, server, timeoutMs)
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error(`the server exited:\n${server.output().slice(-4000)}`)
    const status = await fetch(`${base}/api/private/hello`).then(response => response.status, () => 0)
    if (status === 401) return
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  throw new Error(`${base}/api/private/hello never answered 401:\n${server.output().slice(-4000)}`)
}

async function hello(base: string, token: string): Promise<unknown> {
  const response = await send(new URL('/api/private/hello', base), { headers: { authorization: `Bearer ${token}` } })
  expect(response.status).toBe(200)
  return response.json()
}

async function redeemed(base: string, code: string, jar: CookieJar): Promise<string> {
  const response = await redeem(base, code, jar)
  expect(response.status).toBe(200)
  return (await response.json() as { token: string }).token
}

export function describeFreshApp(nuxt: 3 | 4) {
  describe(`[DX-6] a fresh Nuxt ${nuxt} app made from README.md and the packed module`, () => {
    const app = createFreshApp({ dir: join(inject('workDir'), `nuxt${nuxt}`), nuxt, tarball: inject('tarball'), readme: inject('readme') })
    const running: RunningProcess[] = []
    afterAll(async () => {
      await Promise.all(running.map(server => server.stop()))
    })

    it('installs the tarball with npm', async () => {
      await app.run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'])
      const require = createRequire(join(app.dir, 'package.json'))
      expect(Number(require('nuxt/package.json').version.split('.')[0])).toBe(nuxt)
      expect(existsSync(join(app.dir, 'node_modules/nuxt-aegis/dist/module.mjs'))).toBe(true)
    })

    it('passes nuxi typecheck', async () => {
      await app.run('npx', ['nuxi', 'typecheck'])
    })

    it('nuxi dev without a secret: generates one into .env, logs in with the mock provider', async () => {
      expect(existsSync(join(app.dir, '.env'))).toBe(false)
      const port = await freePort()
      const base = `http://127.0.0.1:${port}`
      const dev = app.start('npx', ['nuxi', 'dev', '--port', String(port), '--host', '127.0.0.1'], {})
      running.push(dev)
      await waitForApp(base, dev, 240_000)
      expect(readFileSync(join(app.dir, '.env'), 'utf8')).toMatch(/^NUXT_AEGIS_TOKEN_SECRET=[\w-]{64}$/m)
      expect(dev.output()).toContain('generated NUXT_AEGIS_TOKEN_SECRET for development')

      // The README's protected page sends a guest to its login page, which renders.
      const guest = await send(new URL('/dashboard', base), { headers: PAGE })
      expect(guest.status).toBe(302)
      const toLogin = new URL(guest.headers.get('location')!, base)
      expect([toLogin.pathname, toLogin.searchParams.get('redirectTo')]).toEqual(['/login', '/dashboard'])
      expect(await (await send(new URL('/login', base), { headers: PAGE })).text()).toContain('Log in as Alice')

      // What the README's login button does: /auth/mock?user=alice, then the callback page's POST.
      const { jar, code } = await login(base, 'alice')
      const token = await redeemed(base, code, jar)
      expect(await hello(base, token)).toEqual({ message: 'Hello Alice Example' })
      const page = await send(new URL('/dashboard', base), { headers: PAGE, jar })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('Hello Alice Example')

      // The DevTools tab (dev only): its data, then in a browser (once: Nuxt 4).
      const secret = /^NUXT_AEGIS_TOKEN_SECRET=(.+)$/m.exec(readFileSync(join(app.dir, '.env'), 'utf8'))![1]!
      await checkDevtoolsRoutes(base, secret)
      if (nuxt === 4) await checkDevtoolsInBrowser(base)
      await dev.stop()
    })

    it('production build: no secret generated, mock off, login through a local OpenID provider', async () => {
      const envBefore = readFileSync(join(app.dir, '.env'), 'utf8')
      // A real provider next to the README's mock, as docs/providers/oidc.md adds it (a local layer).
      mkdirSync(join(app.dir, 'layers/oidc'), { recursive: true })
      writeFileSync(join(app.dir, 'layers/oidc/nuxt.config.ts'), 'export default defineNuxtConfig({ nuxtAegis: { providers: { oidc: {} } } })\n')
      await app.run('npx', ['nuxi', 'build'])
      expect(readFileSync(join(app.dir, '.env'), 'utf8')).toBe(envBefore)

      const port = await freePort()
      const siteUrl = `http://localhost:${port}`
      const oidc = await startOidcProvider([`${siteUrl}/auth/oidc`])
      try {
        const server = app.start(process.execPath, ['.output/server/index.mjs'], {
          PORT: String(port),
          HOST: '127.0.0.1',
          NUXT_AEGIS_TOKEN_SECRET: SECRET,
          NUXT_PUBLIC_SITE_URL: siteUrl,
          NUXT_AEGIS_PROVIDERS_OIDC_ISSUER: oidc.issuer,
          NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
          NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
        })
        running.push(server)
        await waitForApp(`http://127.0.0.1:${port}`, server, 60_000)
        expect((await send(new URL('/auth/mock?user=alice', siteUrl))).status).toBe(404)
        // Nothing of the DevTools tab is in a build.
        for (const path of ['/auth/_devtools', '/auth/_devtools/state', '/auth/_devtools/events']) expect((await send(new URL(path, siteUrl))).status, path).toBe(404)

        const { jar, callbackUrl } = await providerRoundTrip(siteUrl, 'oidc', { login: 'newcomer' })
        const { location } = await appCallback(callbackUrl, jar)
        expect(location.pathname).toBe('/auth/callback')
        const token = await redeemed(siteUrl, location.searchParams.get('code')!, jar)
        expect(await hello(siteUrl, token)).toEqual({ message: 'Hello OIDC newcomer' })
        const page = await send(new URL('/dashboard', siteUrl), { headers: PAGE, jar })
        expect(page.status).toBe(200)
        expect(await page.text()).toContain('Hello OIDC newcomer')
        await server.stop()
      }
      finally {
        await oidc.stop()
      }
    })
  })
}
