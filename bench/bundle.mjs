/**
 * 5. Client bundle: gzip bytes of all client JavaScript (`.output/public/_nuxt/*.js`) of three
 * production builds of the same app: without an auth module, with nuxt-aegis, with
 * nuxt-auth-utils. Each app shows the user on its index page with the module's composable,
 * so what the module ships for that is counted.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { APPS_DIR } from './lib/shared.mjs'

function clientJs(app) {
  const dir = `${APPS_DIR}/${app}/.output/public/_nuxt`
  const files = readdirSync(dir).filter(file => file.endsWith('.js'))
  if (files.length === 0) throw new Error(`${app}: no client JS in ${dir} (build it first)`)
  let raw = 0
  let gzip = 0
  for (const file of files) {
    const content = readFileSync(`${dir}/${file}`)
    raw += content.length
    gzip += gzipSync(content, { level: 9 }).length
  }
  return { files: files.length, raw, gzip }
}

export async function benchBundle() {
  const baseline = clientJs('baseline')
  const aegis = clientJs('aegis')
  const authUtils = clientJs('auth-utils')
  return {
    baseline,
    aegis: { ...aegis, added: aegis.gzip - baseline.gzip, addedRaw: aegis.raw - baseline.raw },
    authUtils: { ...authUtils, added: authUtils.gzip - baseline.gzip, addedRaw: authUtils.raw - baseline.raw },
  }
}
