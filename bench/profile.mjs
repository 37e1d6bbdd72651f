/**
 * `node bench/profile.mjs [refresh|token] [seconds]`: a CPU profile of the aegis bench app under
 * 50 concurrent clients of `POST /auth/refresh` (memory driver) or `POST /auth/token`, and its top
 * items by self time. The build must exist (`npm run bench` or `nuxi build bench/apps/aegis`).
 * The .cpuprofile goes to bench/.results/ (open it in Chrome DevTools); nothing is committed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { REFRESH_COOKIE, RESULTS_DIR, aegisEnv, closedLoop, cookiePair, inParallel, log, loginViaMock, setCookies, startApp } from './lib/shared.mjs'

const what = process.argv[2] ?? 'refresh'
const seconds = Number(process.argv[3] ?? 10)
const CONNECTIONS = 50
const dir = `${RESULTS_DIR}/profile-${what}-${Date.now()}`
mkdirSync(dir, { recursive: true })

const server = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
try {
  if (what === 'refresh') {
    const cookies = (await inParallel(CONNECTIONS, 5, () => loginViaMock(server.url))).map(session => session.refreshCookie)
    const result = await closedLoop({
      url: server.url,
      clients: CONNECTIONS,
      seconds,
      next: client => ({ method: 'POST', path: '/auth/refresh', headers: { 'origin': server.url, 'sec-fetch-site': 'same-origin', 'cookie': cookies[client] } }),
      onResponse(client, response) {
        const rotated = response.status === 200 ? cookiePair(setCookies(response.headers), REFRESH_COOKIE) : undefined
        if (rotated) cookies[client] = rotated
      },
    })
    log(`refresh: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms, ${result.failed} failed`)
  }
  else {
    const response = await fetch(`${server.url}/bench/codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 1000 }) })
    const codes = await response.json()
    for (let more = 0; more < 7; more++) {
      codes.push(...await (await fetch(`${server.url}/bench/codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 1000 }) })).json())
    }
    const result = await closedLoop({
      url: server.url,
      clients: CONNECTIONS,
      seconds,
      next: () => {
        const entry = codes.pop()
        return entry && { method: 'POST', path: '/auth/token', body: JSON.stringify({ code: entry.code }), headers: { 'content-type': 'application/json', 'origin': server.url, 'sec-fetch-site': 'same-origin', 'cookie': entry.cookie } }
      },
    })
    log(`token: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms, ${result.failed} failed`)
  }
}
finally {
  await server.stop()
}

// Self time per function (file:line), the top 25.
const file = readdirSync(dir).find(name => name.endsWith('.cpuprofile'))
if (!file) throw new Error(`no profile written to ${dir}`)
const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'))
const self = new Map()
const interval = (profile.endTime - profile.startTime) / profile.samples.length
const byId = new Map(profile.nodes.map(node => [node.id, node]))
const counts = new Map()
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
let total = 0
for (const [id, count] of counts) {
  const { callFrame } = byId.get(id)
  const key = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|\.output)\//, '$1/')}:${callFrame.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + count)
  total += count
}
const idle = [...self].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, count]) => sum + count, 0)
log(`profile ${dir}/${file}: ${total} samples of ${(interval / 1000).toFixed(2)} ms, ${((1 - idle / total) * 100).toFixed(0)}% busy`)
for (const [key, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  process.stdout.write(`${((count / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${key}\n`)
}
if (process.env.BENCH_KEEP_PROFILE !== '1') rmSync(dir, { recursive: true, force: true })
