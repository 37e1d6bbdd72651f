/**
 * A fresh Nuxt app made from nothing but README.md and the packed module: package.json,
 * the README's files, `npm install` of the tarball, and helpers to run nuxi in it.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { readmeFiles } from './readme'

export interface FreshApp {
  dir: string
  /** Runs a command in the app; rejects with its output when it fails. */
  run: (command: string, args: string[], env?: Record<string, string>) => Promise<string>
  /** Starts a long-running command (dev server, built server) in its own process group. */
  start: (command: string, args: string[], env: Record<string, string>) => RunningProcess
}

export interface RunningProcess {
  output: () => string
  stop: () => Promise<void>
  exited: () => boolean
}

/** The environment of commands in the app: this machine's, minus CI (a newcomer's shell has none) unless given. */
function appEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const dropped = new Set(['CI', 'NUXT_AEGIS_TOKEN_SECRET', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'NODE_ENV', 'TEST'])
  const base = Object.entries(process.env).filter(([name]) => !dropped.has(name) && !(name in extra))
  const given = Object.entries(extra).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return Object.fromEntries([...base, ...given, ['NUXT_TELEMETRY_DISABLED', '1']])
}

export function createFreshApp(options: { dir: string, nuxt: 3 | 4, tarball: string, readme: string }): FreshApp {
  const { dir, nuxt, tarball } = options
  // Nuxt 4's layout keeps the app in app/ (what `nuxi init` creates); Nuxt 3's at the root.
  const appDir = nuxt === 4 ? 'app/' : ''
  mkdirSync(dir, { recursive: true })
  const pkg = {
    name: `fresh-nuxt${nuxt}`,
    private: true,
    type: 'module',
    dependencies: { 'nuxt': nuxt === 4 ? '^4.2.0' : '^3.21.0', 'nuxt-aegis': `file:${tarball}`, 'vue': '^3.5.0', 'vue-router': nuxt === 4 ? '^4.5.0' : '^4.4.0' },
    devDependencies: { 'typescript': '~5.9.3', 'vue-tsc': '^3.1.0' },
    // Vite 8.4 cannot build a fresh Nuxt 4.5 app with pages (unctx); drop once Nuxt or Vite fixes it.
    ...(nuxt === 4 ? { overrides: { vite: '8.3.8' } } : {}),
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  // The tsconfig.json `nuxi init` writes for each major.
  const tsconfig = nuxt === 4
    ? { files: [], references: ['app', 'server', 'shared', 'node'].map(name => ({ path: `./.nuxt/tsconfig.${name}.json` })) }
    : { extends: './.nuxt/tsconfig.json' }
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
  for (const [name, content] of readmeFiles(options.readme)) {
    const target = join(dir, name.startsWith('pages/') ? `${appDir}${name}` : name)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content)
  }

  function spawnIn(command: string, args: string[], env: Record<string, string | undefined>): { child: ChildProcess, output: () => string } {
    const child = spawn(command, args, { cwd: dir, env: appEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    child.stdout!.on('data', (chunk) => {
      output += chunk
    })
    child.stderr!.on('data', (chunk) => {
      output += chunk
    })
    return { child, output: () => output }
  }

  return {
    dir,
    run(command, args, env = {}) {
      const { child, output } = spawnIn(command, args, env)
      return new Promise((resolve, reject) => {
        child.on('error', reject)
        child.on('exit', code => (code === 0 ? resolve(output()) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output().slice(-4000)}`))))
      })
    },
    start(command, args, env) {
      const { child, output } = spawnIn(command, args, env)
      const exit = new Promise<void>(resolve => child.on('exit', () => resolve()))
      return {
        output,
        exited: () => child.exitCode !== null || child.signalCode !== null,
        async stop() {
          if (child.exitCode === null && child.signalCode === null && child.pid) {
            try {
              process.kill(-child.pid, 'SIGTERM') // its process group: nuxi dev runs a child of its own
            }
            catch {
              // already gone
            }
          }
          await exit
        },
      }
    },
  }
}

/** Waits until `url` answers HTTP at all (any status), or throws with the process output. */
export async function waitForHttp(url: string, process: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (process.exited()) throw new Error(`the server exited:\n${process.output().slice(-4000)}`)
    try {
      await fetch(url, { redirect: 'manual' })
      return
    }
    catch {
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${process.output().slice(-4000)}`)
}
