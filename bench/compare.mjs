/**
 * `node bench/compare.mjs <other checkout> [rounds] [seconds]`: this checkout's aegis bench app
 * against the same app built in another checkout (e.g. a worktree of main, built with
 * `nuxi build bench/apps/aegis` there), side by side in one run with alternating rounds: the
 * trivial route (`GET /bench/ping`), `POST /auth/refresh` and `POST /auth/token` on the memory
 * driver at 50 closed-loop clients; req/s, p99 and the servers' CPU time per request (/proc).
 * Prints a table; writes nothing. For before/after figures on a shared, noisy machine.
 */
import os from 'node:os'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { APPS_DIR, REFRESH_COOKIE, aegisEnv, closedLoop, cookiePair, cpuSeconds, inParallel, log, loginViaMock, median, rotate, setCookies, sleep, startApp } from './lib/shared.mjs'

const other = process.argv[2]
if (!other || !existsSync(`${other}/bench/apps/aegis/.output/server/index.mjs`)) throw new Error('usage: node bench/compare.mjs <checkout with a built bench/apps/aegis> [rounds] [seconds]')
const rounds = Number(process.argv[3] ?? 5)
const seconds = Number(process.argv[4] ?? 5)
const CLIENTS = 50
const apps = { before: resolve(other, 'bench/apps/aegis').replace(`${APPS_DIR}/`, ''), after: 'aegis' }
// startApp resolves names under bench/apps/: a path relative to it reaches the other checkout.
const relative = path => path.startsWith('/') ? `../../${'../'.repeat(APPS_DIR.split('/').filter(Boolean).length - 2)}${path.slice(1)}` : path

const servers = {}
try {
  for (const [name, app] of Object.entries(apps)) servers[name] = await startApp(relative(app), aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
  const cookies = {}
  for (const name of Object.keys(servers)) cookies[name] = (await inParallel(CLIENTS, 5, () => loginViaMock(servers[name].url))).map(s => s.refreshCookie)
  const mint = async (url, count) => {
    const codes = []
    while (codes.length < count) codes.push(...await (await fetch(`${url}/bench/codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: Math.min(1000, count - codes.length) }) })).json())
    return codes
  }
  const kinds = {
    trivial: () => ({ next: () => ({ method: 'GET', path: '/bench/ping', headers: {} }) }),
    refresh: name => ({
      next: client => ({ method: 'POST', path: '/auth/refresh', headers: { 'origin': servers[name].url, 'sec-fetch-site': 'same-origin', 'cookie': cookies[name][client] } }),
      onResponse(client, response) {
        const rotated = response.status === 200 ? cookiePair(setCookies(response.headers), REFRESH_COOKIE) : undefined
        if (rotated) cookies[name][client] = rotated
      },
    }),
    token: async (name) => {
      const codes = await mint(servers[name].url, 4000)
      return { next: () => {
        const entry = codes.pop()
        return entry && { method: 'POST', path: '/auth/token', body: JSON.stringify({ code: entry.code }), headers: { 'content-type': 'application/json', 'origin': servers[name].url, 'sec-fetch-site': 'same-origin', 'cookie': entry.cookie } }
      } }
    },
  }
  const variants = Object.keys(servers).flatMap(name => Object.keys(kinds).map(kind => `${name}/${kind}`))
  const runs = Object.fromEntries(variants.map(v => [v, []]))
  for (let round = 0; round < rounds; round++) {
    for (const variant of rotate(variants, round)) {
      const [name, kind] = variant.split('/')
      const spec = await kinds[kind](name)
      const before = cpuSeconds(servers[name].pid)
      const result = await closedLoop({ url: servers[name].url, clients: CLIENTS, seconds, ...spec })
      if (result.failed) throw new Error(`${variant}: ${result.failed} of ${result.total} failed`)
      result.cpu = (cpuSeconds(servers[name].pid) - before) / result.total
      runs[variant].push(result)
      await sleep(200)
    }
    log(`round ${round + 1}/${rounds} (load ${os.loadavg()[0].toFixed(2)}): ${variants.map(v => `${v} ${runs[v].at(-1).rps.toFixed(0)}/s ${(runs[v].at(-1).cpu * 1e6).toFixed(0)} µs`).join(', ')}`)
  }
  process.stdout.write('\n| | req/s | p99 | CPU per request | ratio to trivial, req/s | ratio to trivial, CPU |\n|---|---:|---:|---:|---:|---:|\n')
  for (const variant of variants) {
    const [name] = variant.split('/')
    const ref = runs[`${name}/trivial`]
    const rs = runs[variant]
    process.stdout.write(`| ${variant} | ${median(rs.map(r => r.rps)).toFixed(0)} | ${median(rs.map(r => r.p99)).toFixed(1)} ms | ${median(rs.map(r => r.cpu * 1e6)).toFixed(0)} µs | ${median(rs.map((r, i) => r.rps / ref[i].rps)).toFixed(2)} | ${median(rs.map((r, i) => ref[i].cpu / r.cpu)).toFixed(2)} |\n`)
  }
}
finally {
  await Promise.all(Object.values(servers).map(server => server.stop()))
}
