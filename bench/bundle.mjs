/**
 * 5. Client bundle: gzip bytes of the client JavaScript of three production builds of the same
 * app (without an auth module, with nuxt-aegis, with nuxt-auth-utils). Each app shows the user on
 * its index page with the module's composable.
 *
 * The build's client manifest (`client.manifest.mjs` in the build dir) says which file imports
 * which. The **base** is what a load of the index page fetches: the entry, the index page's chunk
 * and everything they import statically. Every other dynamic entry (the callback and error pages,
 * the client's lazy chunks under `src/runtime/app/lazy/`) is reported on its own, with only the
 * files it adds to the base: those are fetched when first used.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { APPS_DIR } from './lib/shared.mjs'

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

/** A readable name for a dynamic entry: `lazy/popup`, `pages/AegisCallback`, `nuxt/error-404`. */
function chunkName(key, entry) {
  const lazy = key.match(/runtime\/app\/lazy\/([^/]+)\.[jt]s$/) ?? (key.startsWith('_') && entry.src === undefined && /lazy\/|^popup$/.test(entry.name ?? '') ? [key, entry.name] : null)
  if (lazy) return `lazy/${lazy[1]}`
  if (key.includes('/src/runtime/app/pages/') || key.includes('runtime/app/pages/')) return `pages/${entry.name}`
  if (key.includes('node_modules/nuxt/')) return `nuxt/${entry.name}`
  return entry.name ?? key
}

async function measure(app) {
  const manifest = await manifestOf(app)
  const entry = Object.keys(manifest).find(key => manifest[key].isEntry)
  const page = Object.keys(manifest).find(key => key === 'pages/index.vue')
  if (!entry || !page) throw new Error(`${app}: entry or pages/index.vue missing from the client manifest`)
  const base = closure(manifest, [entry, page])
  // Dynamic entries, and chunks that are imported dynamically and also statically (by a page).
  const dynamic = new Set(Object.values(manifest).flatMap(chunk => chunk.dynamicImports ?? []))
  const lazy = Object.keys(manifest)
    .filter(key => (manifest[key].isDynamicEntry || dynamic.has(key)) && !base.has(key))
    .map((key) => {
      const added = [...closure(manifest, [key])].filter(file => !base.has(file))
      return { name: chunkName(key, manifest[key]), ...sizeOf(app, manifest, added) }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
  return { base: sizeOf(app, manifest, base), lazy }
}

export async function benchBundle() {
  const baseline = await measure('baseline')
  const aegis = await measure('aegis')
  const authUtils = await measure('auth-utils')
  const added = app => ({ ...app, added: app.base.gzip - baseline.base.gzip, addedRaw: app.base.raw - baseline.base.raw })
  return { baseline, aegis: added(aegis), authUtils: added(authUtils) }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchBundle(), null, 2))
}
