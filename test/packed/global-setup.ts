/**
 * Packs the module the way a release does, from a fresh clone of this repository's HEAD (no
 * .nuxt, no dist: `npm pack` must work from nothing, its prepack runs prepare first), and
 * hands the tarball and the clone's README to the packed-check files.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed module (`npm pack` of a fresh clone). */
    tarball: string
    /** README.md of that clone: the snippets the fresh apps are made of. */
    readme: string
    /** A directory for the fresh apps (removed afterwards). */
    workDir: string
  }
}

export default function setup(project: TestProject) {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const workDir = mkdtempSync(join(tmpdir(), 'nuxt-aegis-packed-'))
  const clone = join(workDir, 'clone')
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone], { stdio: 'inherit' })
  // The clone shares this checkout's installed dependencies (what `npm install` would give it).
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'))
  const env = { ...process.env, NUXT_TELEMETRY_DISABLED: '1' }
  const packed = execFileSync('npm', ['pack', '--pack-destination', workDir, '--silent'], { cwd: clone, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  const name = packed.trim().split('\n').pop()!.trim()
  project.provide('tarball', join(workDir, name))
  project.provide('readme', join(clone, 'README.md'))
  project.provide('workDir', workDir)
  return () => {
    if (!process.env.AEGIS_KEEP_PACKED) rmSync(workDir, { recursive: true, force: true })
  }
}
