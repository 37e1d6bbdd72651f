import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const APP = join(__dirname, '../../src/runtime/app')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(?:ts|vue)$/.test(name) ? [path] : []
  })
}

/** Static (value) imports of a file: `import x from`, `import { x } from`, `export { x } from`, `import 'x'`; not `import type`. */
function staticImports(source: string): string[] {
  // The first quoted string of an import or re-export statement is its module (none of ours quote names).
  return [...source.matchAll(/^\s*(?:import(?!\s+type\b)|export\s*(?:\{|\*))[^;'"]*['"]([^'"]+)['"]/gm)].map(match => match[1]!)
}

/** Files every page load fetches: all of src/runtime/app except the lazy chunks and the pages (lazy too). */
const baseFiles = () => files(APP).filter(path => !/\/(?:lazy|pages)\//.test(relative(APP, path).replace(/^/, '/')))

describe('[PERF-1] the base client bundle does not pull lazy code in', () => {
  it('no base file imports a lazy chunk or a heavy browser library statically', () => {
    const offenders = baseFiles().flatMap(path => staticImports(readFileSync(path, 'utf8'))
      .filter(target => /(?:^|\/)lazy\//.test(target) || /^(?:@simplewebauthn\/browser|uqr|bowser)(?:\/|$)/.test(target))
      .map(target => `${relative(APP, path)} -> ${target}`))
    expect(offenders).toEqual([])
  })

  it('reads static imports, and not type-only ones or import()', () => {
    expect(staticImports(`import { a } from './lazy/popup'\nimport type { B } from './lazy/x'\nconst c = () => import('./lazy/y')\nexport { d } from 'uqr'`)).toEqual(['./lazy/popup', 'uqr'])
    expect(baseFiles().some(path => path.endsWith('client.ts'))).toBe(true)
    expect(baseFiles().some(path => path.includes('/lazy/'))).toBe(false)
  })
})
