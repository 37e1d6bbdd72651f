/**
 * `npm run bench`: builds the bench apps, runs the six measurements, writes the results page.
 *
 *   BENCH_QUICK=1          short smoke durations (results go to bench/.results/ only)
 *   BENCH_ONLY=a,b         only some of: protection, refresh, storm, ssr, token, matcher, bundle, memory
 *   BENCH_SKIP_BUILD=1     reuse the existing builds of bench/apps/*
 *   AEGIS_REDIS_URL        a Redis to use for the refresh measurement (else one is started if found)
 *   BENCH_RENDER=1         measure nothing: rewrite the page from the last run's bench/.results/results.json
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { QUICK, RESULTS_DIR, ROOT, buildApp, log, packageVersion, stopAll } from './lib/shared.mjs'
import { benchProtection } from './protection.mjs'
import { benchRefresh } from './refresh.mjs'
import { benchStorm } from './storm.mjs'
import { benchSsr } from './ssr.mjs'
import { benchToken } from './token.mjs'
import { benchMatcher } from './matcher.mjs'
import { benchBundle } from './bundle.mjs'
import { benchMemory } from './memory.mjs'
import { renderChart, renderPage } from './report.mjs'

const MEASUREMENTS = {
  protection: benchProtection,
  refresh: benchRefresh,
  storm: benchStorm,
  ssr: benchSsr,
  token: benchToken,
  matcher: benchMatcher,
  bundle: benchBundle,
  memory: benchMemory,
}

if (process.env.BENCH_RENDER === '1') {
  const { meta, results } = JSON.parse(readFileSync(`${RESULTS_DIR}/results.json`, 'utf8'))
  const outDir = meta.quick || meta.only ? RESULTS_DIR : `${ROOT}/docs`
  writeFileSync(`${outDir}/benchmarks.md`, renderPage(results, meta))
  writeFileSync(`${outDir}/benchmarks.svg`, renderChart(results))
  log(`rendered ${outDir}/benchmarks.md from the results of ${meta.date}`)
  process.exit(0)
}

const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map(name => name.trim()) : undefined
for (const name of only ?? []) {
  if (!(name in MEASUREMENTS)) throw new Error(`BENCH_ONLY: unknown measurement "${name}" (known: ${Object.keys(MEASUREMENTS).join(', ')})`)
}
const selected = Object.keys(MEASUREMENTS).filter(name => !only || only.includes(name))
// Only a complete, full-length run replaces the committed page.
const toDocs = !QUICK && !only
const started = Date.now()
const loadStart = os.loadavg()[0]
let maxLoad = loadStart
const sampler = setInterval(() => {
  maxLoad = Math.max(maxLoad, os.loadavg()[0])
}, 5000)
sampler.unref()

// The code measured is the code at start (the apps are built from it).
let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  if (execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' + local changes'
}
catch {
  // Not a git checkout: the report says unknown.
}
mkdirSync(RESULTS_DIR, { recursive: true })
const results = {}
let failed = false
try {
  const needsBuild = selected.some(name => name !== 'matcher')
  if (needsBuild && process.env.BENCH_SKIP_BUILD !== '1') {
    for (const app of ['baseline', 'aegis', 'auth-utils']) buildApp(app)
  }
  for (const name of selected) {
    log(`--- ${name}`)
    try {
      results[name] = await MEASUREMENTS[name]()
    }
    catch (error) {
      failed = true
      results[name] = { error: error instanceof Error ? error.message.split('\n')[0] : String(error) }
      log(`${name} failed: ${error instanceof Error ? error.stack : error}`)
    }
  }
}
finally {
  await stopAll()
  clearInterval(sampler)
}

const meta = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memory: os.totalmem(),
  os: `${os.type()} ${os.release()} (${os.arch()})`,
  node: process.version,
  versions: {
    'nuxt': await packageVersion('nuxt'),
    'nitropack': await packageVersion('nitropack'),
    'h3': await packageVersion('h3'),
    'nuxt-auth-utils': await packageVersion('nuxt-auth-utils'),
    'autocannon': await packageVersion('autocannon'),
    'aegis': JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).version,
  },
  commit,
  quick: QUICK,
  only: only?.join(','),
  loadStart,
  maxLoad: Math.max(maxLoad, os.loadavg()[0]),
  loadEnd: os.loadavg()[0],
  seconds: (Date.now() - started) / 1000,
}

writeFileSync(`${RESULTS_DIR}/results.json`, `${JSON.stringify({ meta, results }, null, 2)}\n`)
const outDir = toDocs ? `${ROOT}/docs` : RESULTS_DIR
writeFileSync(`${outDir}/benchmarks.md`, renderPage(results, meta))
writeFileSync(`${outDir}/benchmarks.svg`, renderChart(results))
log(`wrote ${outDir}/benchmarks.md and benchmarks.svg in ${(meta.seconds / 60).toFixed(1)} min${failed ? ' (some measurements FAILED)' : ''}`)
process.exit(failed ? 1 : 0)
