/**
 * 5. Client bundle: gzip bytes of the client JavaScript of three production builds of the same
 * app (without an auth module, with nuxt-aegis, with nuxt-auth-utils). Each app shows the user on
 * its index page with the module's composable.
 *
 * The build's client manifest (`client.manifest.mjs` in the build dir) says which file imports
 * which. The **base** is what a load of the index page fetches: the entry, the index page's chunk
 * and everything they import statically. Every other dynamic entry (the callback and error pages,
 * each client chunk under `src/runtime/app/lazy/`, the libraries those load) is reported on its
 * own, with only the files it adds to the base: those are fetched when first used. A lazy chunk
 * found in the base fails the measurement: it would mean every page load pays for it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { APPS_DIR, ROOT } from './lib/shared.mjs'

/** The client's lazy chunks: one per file in src/runtime/app/lazy/. */
const LAZY = readdirSync(`${ROOT}/src/runtime/app/lazy`).filter(file => /\.[jt]s$/.test(file)).map(file => file.replace(/\.[jt]s$/, '')).sort()

/** When each chunk is fetched (the page's table says it next to the size). */
const WHEN = {
  'lazy/accounts': '`login(provider, { link: true })`, `identities()`, `unlinkIdentity()`',
  'lazy/credentials': 'password or credentials login, CODE exchange on the callback page',
  'lazy/email': '`email.start()` / `email.verify()`',
  'lazy/guard': 'a navigation to a path a `routeProtection` glob may match',
  'lazy/impersonation': '`impersonate()`, `stopImpersonation()`',
  'lazy/mfa': 'a login answered `mfa_required`, `mfa.*`, the callback page',
  'lazy/passkey': 'any `passkey.*` call',
  'lazy/popup': '`login({ popup: true })`, the callback and error pages',
  'lazy/sessions': '`sessions()`, `revokeSession()`, `revokeOtherSessions()`',
  '@simplewebauthn/browser': 'a passkey ceremony (`passkey.register()` / `passkey.login()`), after lazy/passkey',
  'nuxt/error-404': 'an error page (Nuxt)',
  'nuxt/error-500': 'an error page (Nuxt)',
  'pages/AegisCallback': 'the login callback page',
  'pages/AegisError': 'the login error page',
}

async function manifestOf(app) {
  // Production builds write the build dir under node_modules/.cache/nuxt; take the newest one.
  const path = [`${APPS_DIR}/${app}/node_modules/.cache/nuxt/.nuxt`, `${APPS_DIR}/${app}/.nuxt`]
    .map(dir => `${dir}/dist/server/client.manifest.mjs`)
    .filter(file => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  if (!path) throw new Error(`${app}: no client manifest (build it first)`)
  return (await import(`${pathToFileURL(path).href}?t=${Date.now()}`)).default
}

/** Manifest keys reachable from `roots` through static imports. */
function closure(manifest, roots) {
  const seen = new Set()
  const visit = (key) => {
    if (seen.has(key) || !manifest[key]) return
    seen.add(key)
    for (const next of manifest[key].imports ?? []) visit(next)
  }
  roots.forEach(visit)
  return seen
}

function sizeOf(app, manifest, keys) {
  let raw = 0
  let gzip = 0
  const files = [...keys].map(key => manifest[key].file).filter(file => file.endsWith('.js'))
  const contents = files.map(file => readFileSync(`${APPS_DIR}/${app}/.output/public/_nuxt/${file}`))
  for (const content of contents) {
    raw += content.length
    gzip += gzipSync(content, { level: 9 }).length
  }
  // The same code as one file: what splitting into chunks costs is `gzip - gzipJoined`.
  const gzipJoined = gzipSync(Buffer.concat(contents), { level: 9 }).length
  return { files: files.length, raw, gzip, gzipJoined }
}

/** A readable name for a dynamic entry: `lazy/popup`, `pages/AegisCallback`, `nuxt/error-404`, a package name. */
function chunkName(key, entry) {
  const file = key.match(/runtime\/app\/lazy\/([^/]+)\.[jt]s$/)?.[1]
  if (file) return `lazy/${file}`
  // A lazy module that a page also imports statically becomes a shared chunk named after the module.
  if (key.startsWith('_') && entry.src === undefined && LAZY.includes(entry.name)) return `lazy/${entry.name}`
  if (key.includes('runtime/app/pages/')) return `pages/${entry.name}`
  if (key.includes('node_modules/nuxt/')) return `nuxt/${entry.name}`
  const pkg = key.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1]
  return pkg ?? entry.name ?? key
}

async function measure(app) {
  const manifest = await manifestOf(app)
  const entry = Object.keys(manifest).find(key => manifest[key].isEntry)
  const page = Object.keys(manifest).find(key => key === 'pages/index.vue')
  if (!entry || !page) throw new Error(`${app}: entry or pages/index.vue missing from the client manifest`)
  const base = closure(manifest, [entry, page])
  const lazyInBase = [...base].map(key => chunkName(key, manifest[key])).filter(name => name.startsWith('lazy/'))
  if (lazyInBase.length) throw new Error(`${app}: lazy chunks in the base bundle: ${lazyInBase.join(', ')}`)
  // Dynamic entries, and chunks that are imported dynamically and also statically (by a page).
  const dynamic = new Set(Object.values(manifest).flatMap(chunk => chunk.dynamicImports ?? []))
  const lazy = Object.keys(manifest)
    .filter(key => (manifest[key].isDynamicEntry || dynamic.has(key)) && !base.has(key))
    .map((key) => {
      const added = [...closure(manifest, [key])].filter(file => !base.has(file))
      const name = chunkName(key, manifest[key])
      return { name, ...(WHEN[name] ? { when: WHEN[name] } : {}), ...sizeOf(app, manifest, added) }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
  return { base: sizeOf(app, manifest, base), lazy, lazyInBase }
}

/**
 * The aegis base of an earlier run, to show what the base gained since: commit 8e36b95 (docs/
 * benchmarks.md of that commit; the same bench apps and measurement), before passkeys, email
 * codes, second factors, sessions, impersonation and account linking added client calls.
 */
export const REFERENCE = { commit: '8e36b95', added: 5990 }

export async function benchBundle() {
  const baseline = await measure('baseline')
  const aegis = await measure('aegis')
  const authUtils = await measure('auth-utils')
  const added = app => ({ ...app, added: app.base.gzip - baseline.base.gzip, addedRaw: app.base.raw - baseline.base.raw })
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  }
  catch {
    // Not a git checkout.
  }
  return { baseline, aegis: added(aegis), authUtils: added(authUtils), reference: REFERENCE, commit }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchBundle(), null, 2))
}
