/**
 * 1. Route protection overhead: requests/s of the same small API handler
 *    (a) unprotected (an app without any auth module),
 *    (b) behind nuxt-aegis' middleware with a valid Bearer token,
 *    (c) behind nuxt-auth-utils' requireUserSession with a valid sealed cookie.
 * The three servers run side by side; each round loads them one after the other in a rotated
 * order, and the ratios are taken within each round before the median.
 */
import os from 'node:os'
import { QUICK, SESSION_PASSWORD, aegisEnv, cookiePair, cpuSeconds, load, log, loginViaMock, median, rotate, setCookies, sleep, startApp } from './lib/shared.mjs'

export const TARGET = 0.95

export async function benchProtection() {
  const rounds = QUICK ? 2 : 7
  const duration = QUICK ? 2 : 10
  const connections = 10
  const servers = {}
  try {
    servers.a = await startApp('baseline')
    servers.b = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
    servers.c = await startApp('auth-utils', { NUXT_SESSION_PASSWORD: SESSION_PASSWORD })
    const { token } = await loginViaMock(servers.b.url)
    const login = await fetch(`${servers.c.url}/bench/login`, { method: 'POST' })
    const sealed = cookiePair(setCookies(login.headers), 'nuxt-session')
    if (!sealed) throw new Error('nuxt-auth-utils returned no session cookie')
    const headers = { a: {}, b: { authorization: `Bearer ${token}` }, c: { cookie: sealed } }

    // Each variant must really be what it claims: 200 with the credential, 401 without (b, c).
    for (const id of ['a', 'b', 'c']) {
      const ok = await fetch(`${servers[id].url}/api/hello`, { headers: headers[id] })
      if (ok.status !== 200) throw new Error(`variant ${id} answered ${ok.status} with its credential`)
      if (id !== 'a') {
        const denied = await fetch(`${servers[id].url}/api/hello`)
        if (denied.status !== 401) throw new Error(`variant ${id} answered ${denied.status} without a credential (expected 401)`)
      }
    }

    for (const id of ['a', 'b', 'c']) await load({ url: `${servers[id].url}/api/hello`, headers: headers[id], duration: QUICK ? 1 : 3, connections })
    const runs = { a: [], b: [], c: [] }
    for (let round = 0; round < rounds; round++) {
      for (const id of rotate(['a', 'b', 'c'], round)) {
        const cpuBefore = cpuSeconds(servers[id].pid)
        const result = await load({ url: `${servers[id].url}/api/hello`, headers: headers[id], duration, connections })
        result.cpuPerRequest = (cpuSeconds(servers[id].pid) - cpuBefore) / result.total
        if (result.non2xx || result.errors) throw new Error(`variant ${id}: ${result.non2xx} non-2xx responses, ${result.errors} errors`)
        runs[id].push(result)
        await sleep(200)
      }
      log(`protection round ${round + 1}/${rounds}: a ${runs.a.at(-1).rps.toFixed(0)}, b ${runs.b.at(-1).rps.toFixed(0)}, c ${runs.c.at(-1).rps.toFixed(0)} req/s`)
    }
    const ratio = id => median(runs[id].map((run, round) => run.rps / runs.a[round].rps))
    // The same ratio from the servers' own CPU time per request (a / x): throughput if CPU-bound.
    const cpuRatio = id => median(runs[id].map((run, round) => runs.a[round].cpuPerRequest / run.cpuPerRequest))
    const cpuUs = id => median(runs[id].map(run => run.cpuPerRequest * 1e6))
    return {
      rounds,
      duration,
      connections,
      rps: { a: median(runs.a.map(r => r.rps)), b: median(runs.b.map(r => r.rps)), c: median(runs.c.map(r => r.rps)) },
      p99: { a: median(runs.a.map(r => r.p99)), b: median(runs.b.map(r => r.p99)), c: median(runs.c.map(r => r.p99)) },
      ratio: { b: ratio('b'), c: ratio('c') },
      cpuUsPerRequest: { a: cpuUs('a'), b: cpuUs('b'), c: cpuUs('c') },
      cpuRatio: { b: cpuRatio('b'), c: cpuRatio('c') },
      perRound: runs.b.map((run, round) => ({ b: run.rps / runs.a[round].rps, c: runs.c[round].rps / runs.a[round].rps })),
      loadavg: os.loadavg(),
      target: TARGET,
    }
  }
  finally {
    await Promise.all(Object.values(servers).map(server => server.stop()))
  }
}
