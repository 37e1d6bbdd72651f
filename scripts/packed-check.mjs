#!/usr/bin/env node
/**
 * The packed-module check (the newcomer path): packs this repository from a fresh clone, makes
 * fresh Nuxt 4 and Nuxt 3 apps from README.md's snippets, installs the tarball, type-checks,
 * logs in on the dev server (mock) and on the production build (a local OpenID provider).
 * Tests: test/packed/ (the Nuxt 4 and Nuxt 3 apps side by side). Extra arguments go to vitest
 * (e.g. the JSON reporter of .ci/run).
 *
 *   node scripts/packed-check.mjs [vitest args]
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const result = spawnSync(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--project', 'packed', '--maxWorkers=2', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, AEGIS_PACKED_CHECK: '1' },
})
process.exit(result.status ?? 1)
