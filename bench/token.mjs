/**
 * 3. POST /auth/token (CODE exchange) at 50 concurrent clients.
 * Fresh CODEs come from a bench-only route of the bench app (bench/apps/aegis/server/routes/bench/
 * codes.post.ts; never part of the module) that issues them the way the login route does, with
 * their handoff cookies. Every request redeems a different CODE, as real logins do; each success
 * also creates a session (memory driver) and signs an access token.
 */
import { QUICK, aegisEnv, closedLoop, log, median, sleep, startApp } from './lib/shared.mjs'

const CONNECTIONS = 50

async function mintCodes(url, count) {
  const codes = []
  while (codes.length < count) {
    const response = await fetch(`${url}/bench/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: Math.min(1000, count - codes.length) }),
    })
    if (response.status !== 200) throw new Error(`minting CODEs answered ${response.status}`)
    codes.push(...await response.json())
  }
  return codes
}

export async function benchToken() {
  const rounds = QUICK ? 2 : 5
  // Per round: all CODEs are minted first (the store keeps at most 10,000 live), then redeemed.
  const perRound = QUICK ? 1000 : 8000
  const server = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory' }))
  try {
    const exchange = async (count) => {
      const codes = await mintCodes(server.url, count)
      const result = await closedLoop({
        url: server.url,
        clients: CONNECTIONS,
        seconds: 600,
        next: () => {
          const entry = codes.pop()
          if (!entry) return undefined
          const body = JSON.stringify({ code: entry.code })
          return { method: 'POST', path: '/auth/token', body, headers: { 'content-type': 'application/json', 'origin': server.url, 'sec-fetch-site': 'same-origin', 'cookie': entry.cookie } }
        },
      })
      if (result.failed) throw new Error(`${result.failed} of ${result.total} CODE exchanges failed`)
      return result
    }
    await exchange(QUICK ? 200 : 1000)
    const runs = []
    for (let round = 0; round < rounds; round++) {
      runs.push(await exchange(perRound))
      log(`token round ${round + 1}/${rounds}: ${runs.at(-1).rps.toFixed(0)} req/s, p99 ${runs.at(-1).p99.toFixed(1)} ms`)
      await sleep(200)
    }
    return {
      rounds,
      perRound,
      connections: CONNECTIONS,
      rps: median(runs.map(r => r.rps)),
      p50: median(runs.map(r => r.p50)),
      p99: median(runs.map(r => r.p99)),
    }
  }
  finally {
    await server.stop()
  }
}
