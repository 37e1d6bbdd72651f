/**
 * Builds the e2e fixture once and starts the servers every e2e and browser test shares.
 * Each server is a real `node .output/server/index.mjs` on a free 127.0.0.1 port.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { FIXTURE_DIR, TEST_SECRET, startServer } from './server'
import type { RunningServer } from './server'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The fixture with the mock provider allowed in production (as e2e tests need). */
    baseUrl: string
    /** The same build with the mock provider left off in production (the default). */
    mockOffUrl: string
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
  return async () => {
    await Promise.all(servers.map(server => server.stop()))
  }
}
