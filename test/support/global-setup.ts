/**
 * Builds the e2e fixture once and starts the servers every e2e and browser test shares.
 * Each server is a real `node .output/server/index.mjs` on a free 127.0.0.1 port.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { FIXTURE_DIR, TEST_SECRET, freePort, startServer } from './server'
import type { RunningServer } from './server'
import { OIDC_CLIENT, startOidcProvider } from './oidc-provider'
import { TEST_ISSUER_CLIENT, startTestIssuer } from './test-issuer'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fixture with the mock provider allowed in production (as e2e tests need). */
    baseUrl: string
    /** The same build with the mock provider left off in production (the default). */
    mockOffUrl: string
    /**
     * The same build with `siteUrl` set (real providers need it in production), its `oidc`
     * provider pointed at a local oidc-provider and its `testidp` route at the controllable
     * test issuer. Uses the host name `localhost`, as browsers must (Secure cookies on http).
     */
    oidcAppUrl: string
    /** The local oidc-provider (issuer URL). */
    oidcIssuerUrl: string
    /** The controllable test issuer (issuer URL; `POST /control` sets its mode). */
    testIssuerUrl: string
  }
}

export default async function setup(project: TestProject) {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  rmSync(`${FIXTURE_DIR}/.data`, { recursive: true, force: true })
  if (process.env.AEGIS_SKIP_FIXTURE_BUILD !== '1') {
    // nuxi ships inside @nuxt/cli (a dependency of nuxt); a top-level nuxi package may not exist.
    const nuxi = [`${root}/node_modules/nuxi/bin/nuxi.mjs`, `${root}/node_modules/@nuxt/cli/bin/nuxi.mjs`].find(path => existsSync(path))
    if (!nuxi) throw new Error('nuxi not found: run npm install')
    execFileSync(process.execPath, [nuxi, 'build', FIXTURE_DIR], { stdio: 'inherit', cwd: root })
  }
  const servers: RunningServer[] = []
  const main = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })
  servers.push(main)
  const mockOff = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET })
  servers.push(mockOff)
  project.provide('baseUrl', main.url)
  project.provide('mockOffUrl', mockOff.url)

  const oidcPort = await freePort()
  const oidcAppUrl = `http://localhost:${oidcPort}`
  const oidc = await startOidcProvider([`${oidcAppUrl}/auth/oidc`])
  const issuer = await startTestIssuer()
  const stops = [oidc.stop, issuer.stop]
  const oidcApp = await startServer({
    PORT: String(oidcPort),
    NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
    NUXT_PUBLIC_SITE_URL: oidcAppUrl,
    NUXT_AEGIS_PROVIDERS_OIDC_ISSUER: oidc.issuer,
    NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    AEGIS_TEST_ISSUER: issuer.url,
    AEGIS_TEST_ISSUER_CLIENT_ID: TEST_ISSUER_CLIENT.clientId,
    AEGIS_TEST_ISSUER_CLIENT_SECRET: TEST_ISSUER_CLIENT.clientSecret,
  })
  servers.push(oidcApp)
  project.provide('oidcAppUrl', oidcAppUrl)
  project.provide('oidcIssuerUrl', oidc.issuer)
  project.provide('testIssuerUrl', issuer.url)
  return async () => {
    await Promise.all(servers.map(server => server.stop()))
    await Promise.all(stops.map(stop => stop()))
  }
}
