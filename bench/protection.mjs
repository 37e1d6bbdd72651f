/**
 * 1. Route protection overhead: requests/s of the same small API handler
 *    (a) unprotected (an app without any auth module),
 *    (b) behind nuxt-aegis' middleware with a valid Bearer token,
 *    (c) behind nuxt-auth-utils' requireUserSession with a valid sealed cookie.
 * (a) and (b) are measured twice: with a synchronous handler (b reads event.context.user), and
 * with an async one that awaits a resolved promise (a2) or `getAuthUser(event)` (b2).
 * (b3) is (b) on a second nuxt-aegis server whose revocation list holds REVOKED revoked sessions.
 * The three servers run side by side; each round loads them one after the other in a rotated
 * order, and the ratios are taken within each round before the median.
 */
import os from 'node:os'
import { QUICK, SESSION_PASSWORD, aegisEnv, cookiePair, cpuSeconds, load, log, loginViaMock, median, rotate, setCookies, sleep, startApp } from './lib/shared.mjs'

export const TARGET = 0.95
/** Revoked sessions on the list of the (b3) server. */
export const REVOKED = 10_000

export async function benchProtection() {
  const rounds = QUICK ? 2 : 7
  const duration = QUICK ? 2 : 10
  const connections = 10
  const servers = {}
  try {
    servers.a = await startApp('baseline')
    servers.b = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
    servers.c = await startApp('auth-utils', { NUXT_SESSION_PASSWORD: SESSION_PASSWORD })
    servers.d = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
    const { token } = await loginViaMock(servers.b.url)
    const seeded = await (await fetch(`${servers.d.url}/bench/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: REVOKED }) })).json()
    if (seeded.size < REVOKED) throw new Error(`the revocation list of (b3) holds ${seeded.size} sessions, expected ${REVOKED}`)
    const login = await fetch(`${servers.c.url}/bench/login`, { method: 'POST' })
    const sealed = cookiePair(setCookies(login.headers), 'nuxt-session')
    if (!sealed) throw new Error('nuxt-auth-utils returned no session cookie')
    const bearer = { authorization: `Bearer ${token}` }
    // Variant → server, path, credential; the reference each is divided by.
    const variants = {
      a: { server: 'a', path: '/api/hello', headers: {} },
      a2: { server: 'a', path: '/api/hello-async', headers: {} },
      b: { server: 'b', path: '/api/hello', headers: bearer, reference: 'a' },
      b2: { server: 'b', path: '/api/hello-async', headers: bearer, reference: 'a2' },
      // Same secret: the token of (b) is valid on (d), whose list holds REVOKED other sessions.
      b3: { server: 'd', path: '/api/hello', headers: bearer, reference: 'a' },
      c: { server: 'c', path: '/api/hello', headers: { cookie: sealed }, reference: 'a' },
    }
    const ids = Object.keys(variants)
    const url = id => `${servers[variants[id].server].url}${variants[id].path}`

    // Each variant must really be what it claims: 200 with the credential, 401 without (b, b2, c).
    for (const id of ids) {
      const ok = await fetch(url(id), { headers: variants[id].headers })
      if (ok.status !== 200) throw new Error(`variant ${id} answered ${ok.status} with its credential`)
      if (variants[id].server !== 'a') {
        const denied = await fetch(url(id))
        if (denied.status !== 401) throw new Error(`variant ${id} answered ${denied.status} without a credential (expected 401)`)
      }
    }

    for (const id of ids) await load({ url: url(id), headers: variants[id].headers, duration: QUICK ? 1 : 3, connections })
    const runs = Object.fromEntries(ids.map(id => [id, []]))
    for (let round = 0; round < rounds; round++) {
      for (const id of rotate(ids, round)) {
        const pid = servers[variants[id].server].pid
        const cpuBefore = cpuSeconds(pid)
        const result = await load({ url: url(id), headers: variants[id].headers, duration, connections })
        result.cpuPerRequest = (cpuSeconds(pid) - cpuBefore) / result.total
        if (result.non2xx || result.errors) throw new Error(`variant ${id}: ${result.non2xx} non-2xx responses, ${result.errors} errors`)
        runs[id].push(result)
        await sleep(200)
      }
      log(`protection round ${round + 1}/${rounds}: ${ids.map(id => `${id} ${runs[id].at(-1).rps.toFixed(0)}`).join(', ')} req/s`)
    }
    const of = fn => Object.fromEntries(ids.map(id => [id, fn(id)]))
    const compared = ids.filter(id => variants[id].reference)
    const ratio = id => median(runs[id].map((run, round) => run.rps / runs[variants[id].reference][round].rps))
    // The same ratio from the servers' own CPU time per request (ref / x): throughput if CPU-bound.
    const cpuRatio = id => median(runs[id].map((run, round) => runs[variants[id].reference][round].cpuPerRequest / run.cpuPerRequest))
    return {
      rounds,
      duration,
      connections,
      rps: of(id => median(runs[id].map(r => r.rps))),
      p99: of(id => median(runs[id].map(r => r.p99))),
      ratio: Object.fromEntries(compared.map(id => [id, ratio(id)])),
      cpuUsPerRequest: of(id => median(runs[id].map(run => run.cpuPerRequest * 1e6))),
      cpuRatio: Object.fromEntries(compared.map(id => [id, cpuRatio(id)])),
      perRound: runs.b.map((run, round) => ({ b: run.rps / runs.a[round].rps, b2: runs.b2[round].rps / runs.a2[round].rps, b3: runs.b3[round].rps / runs.a[round].rps, c: runs.c[round].rps / runs.a[round].rps })),
      revoked: REVOKED,
      loadavg: os.loadavg(),
      target: TARGET,
    }
  }
  finally {
    await Promise.all(Object.values(servers).map(server => server.stop()))
  }
}
