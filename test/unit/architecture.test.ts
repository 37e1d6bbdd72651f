/**
 * The layout's dependency rule (docs/architecture.md, "Dependencies between folders"), read from
 * the relative imports of src/runtime:
 *
 * 1. `core/` imports only `core/` (and the public types): it serves every capability and knows none.
 * 2. A capability folder imports itself, `core/`, `context/`, `utils/`, the public types, and of
 *    another capability only the files that capability lists in PUBLIC (its public entry).
 * 3. `context/` (the composition root: runtime config, services built once per process, start-up)
 *    and `utils/` (the auto-imported public API) may import any capability.
 * 4. The browser side (`src/runtime/app/`) imports server code only through PUBLIC files.
 *
 * Every folder under src/runtime/server must be one of these, so a new folder is placed on purpose.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/runtime')
const SERVER = join(SRC, 'server')

/** Files (under src/runtime/server/<capability>/, without extension) other capabilities may import. */
const PUBLIC: Record<string, string[]> = {
  tokens: ['tokens', 'issue', 'claims'],
  handoff: ['codes'],
  sessions: ['sessions', 'provider-tokens', 'record-codec'],
  protection: ['paths', 'redirects', 'cache-rules'],
  oauth: ['profile', 'custom-provider', 'fetch', 'providers/index'],
  // The engine of emailed codes, account lookup and request limits, shared by every email-identified flow (email/).
  password: ['account', 'lookup', 'verification', 'request', 'config'],
  email: [],
  mfa: [],
  passkeys: [],
  credentials: ['signin'],
  // What sign-in methods need of accounts: resolveUser, completing a link, a passkey's link and unlink.
  accounts: ['login'],
  websocket: ['websocket-token'],
  revocation: [],
  // The Nuxt DevTools tab's routes (dev only).
  devtools: [],
  impersonation: [],
}
const SHARED = 'core'
const OPEN = ['context', 'utils']

interface Edge { from: string, to: string }

/** Where a path under src/runtime sits: the server folder (capability, core, ...) and the rest of the path. */
function place(path: string): { area: 'server' | 'app' | 'types' | 'outside', folder?: string, rest?: string } {
  const rel = relative(SRC, path)
  if (rel.startsWith('..')) return { area: 'outside' }
  const [top, folder, ...rest] = rel.split('/')
  if (top === 'server' && rest.length) return { area: 'server', folder, rest: rest.join('/').replace(/\.(?:ts|mts|js|mjs)$/, '') }
  if (top === 'app') return { area: 'app' }
  return { area: 'types' }
}

/** The rule broken by one import, or undefined. */
function violation({ from, to }: Edge): string | undefined {
  const a = place(from)
  const b = place(to)
  const edge = `${relative(SRC, from)} → ${relative(SRC, to)}`
  if (a.area === 'app' && b.area === 'server' && !PUBLIC[b.folder!]?.includes(b.rest!)) return `browser code imports server internals: ${edge}`
  if (a.area !== 'server' || b.area !== 'server' || a.folder === b.folder) return undefined
  if (a.folder === SHARED) return `core/ imports ${b.folder}/: ${edge}`
  if (OPEN.includes(a.folder!) || b.folder === SHARED || OPEN.includes(b.folder!)) return undefined
  if (!PUBLIC[b.folder!]?.includes(b.rest!)) return `${a.folder}/ imports an internal file of ${b.folder}/ (public: ${PUBLIC[b.folder!]?.join(', ') || 'none'}): ${edge}`
  return undefined
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(?:ts|vue)$/.test(name) ? [path] : []
  })
}

/** Every relative import (static, dynamic, re-export, side effect) of the files under src/runtime. */
function imports(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    return [...text.matchAll(/\b(?:from|import)\s*(?:\(\s*)?['"](\.{1,2}\/[^'"]+)['"]/g)].map(m => ({ from: file, to: resolve(dirname(file), m[1]!) }))
  })
}

describe('source layout: dependencies point one way', () => {
  it('finds the imports it checks', () => {
    // A broken reader would pass every rule below.
    expect(imports().length).toBeGreaterThan(200)
  })

  it('no import breaks the rule', () => {
    expect(imports().map(violation).filter(Boolean)).toEqual([])
  })

  it('every folder under src/runtime/server is a capability, core, context or utils', () => {
    const folders = readdirSync(SERVER).filter(name => statSync(join(SERVER, name)).isDirectory())
    expect(folders.filter(name => !(name in PUBLIC) && name !== SHARED && !OPEN.includes(name))).toEqual([])
  })

  it('every public entry exists', () => {
    const missing = Object.entries(PUBLIC).flatMap(([folder, files]) => files.filter(file => !sourceFiles(join(SERVER, folder)).some(path => relative(join(SERVER, folder), path).replace(/\.ts$/, '') === file)).map(file => `${folder}/${file}`))
    expect(missing).toEqual([])
  })

  it('reports the imports the rule forbids', () => {
    const at = (path: string) => join(SRC, path)
    expect(violation({ from: at('server/core/errors.ts'), to: at('server/sessions/sessions') })).toMatch(/^core\/ imports sessions\//)
    expect(violation({ from: at('server/core/http.ts'), to: at('server/context/services') })).toMatch(/^core\/ imports context\//)
    expect(violation({ from: at('server/oauth/login.ts'), to: at('server/sessions/session-records') })).toMatch(/^oauth\/ imports an internal file of sessions\//)
    expect(violation({ from: at('app/popup.ts'), to: at('server/oauth/engine') })).toMatch(/^browser code imports server internals/)
    // and allows the ones it permits
    expect(violation({ from: at('server/oauth/login.ts'), to: at('server/sessions/provider-tokens') })).toBeUndefined()
    expect(violation({ from: at('server/sessions/sessions.ts'), to: at('server/core/locks') })).toBeUndefined()
    expect(violation({ from: at('server/context/services.ts'), to: at('server/sessions/record-codec') })).toBeUndefined()
  })
})
