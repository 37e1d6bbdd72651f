/**
 * SSR with a session: the same server-rendered page (`GET /` of the aegis bench app) for a
 * logged-in browser (its refresh cookie: the module looks the session up read-only and renders
 * the user into the page) and for an anonymous one, 10 connections, rounds alternating. The
 * target is logged-in / anonymous ≥ 0.9 (issue 19), by req/s and by the server's CPU per request.
 */
import os from 'node:os'
import { QUICK, aegisEnv, cpuSeconds, load, log, loginViaMock, median, rotate, sleep, startApp } from './lib/shared.mjs'

export const TARGET = 0.9

export async function benchSsr() {
  const rounds = Number(process.env.BENCH_ROUNDS) || (QUICK ? 2 : 5)
  const duration = Number(process.env.BENCH_SECONDS) || (QUICK ? 2 : 10)
  const server = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
  try {
    const { refreshCookie } = await loginViaMock(server.url)
    const variants = { anonymous: {}, session: { cookie: refreshCookie } }
    // Each variant must be what it claims: the user's name in the page with the cookie, a login button without.
    for (const [id, headers] of Object.entries(variants)) {
      const html = await (await fetch(`${server.url}/`, { headers })).text()
      const loggedIn = html.includes('Log out')
      if (loggedIn !== (id === 'session')) throw new Error(`SSR ${id}: the page ${loggedIn ? 'shows' : 'does not show'} a logged-in user`)
    }
    const ids = Object.keys(variants)
    for (const id of ids) await load({ url: `${server.url}/`, headers: variants[id], duration: QUICK ? 1 : 3 })
    const runs = Object.fromEntries(ids.map(id => [id, []]))
    const loads = []
    for (let round = 0; round < rounds; round++) {
      for (const id of rotate(ids, round)) {
        const before = cpuSeconds(server.pid)
        const result = await load({ url: `${server.url}/`, headers: variants[id], duration })
        if (result.non2xx || result.errors) throw new Error(`SSR ${id}: ${result.non2xx} non-2xx, ${result.errors} errors`)
        result.cpuPerRequest = (cpuSeconds(server.pid) - before) / result.total
        runs[id].push(result)
        await sleep(200)
      }
      loads.push(os.loadavg()[0])
      log(`ssr round ${round + 1}/${rounds}: ${ids.map(id => `${id} ${runs[id].at(-1).rps.toFixed(0)} req/s ${(runs[id].at(-1).cpuPerRequest * 1e6).toFixed(0)} µs CPU`).join(', ')} (load ${loads.at(-1).toFixed(2)})`)
    }
    const of = (id, fn) => median(runs[id].map(fn))
    return {
      rounds,
      duration,
      rows: ids.map(id => ({ id, rps: of(id, r => r.rps), p99: of(id, r => r.p99), cpuUs: of(id, r => r.cpuPerRequest * 1e6) })),
      ratio: median(runs.session.map((run, round) => run.rps / runs.anonymous[round].rps)),
      cpuRatio: median(runs.session.map((run, round) => runs.anonymous[round].cpuPerRequest / run.cpuPerRequest)),
      perRound: runs.session.map((run, round) => run.rps / runs.anonymous[round].rps),
      loads,
      target: TARGET,
    }
  }
  finally {
    await server.stop()
  }
}
