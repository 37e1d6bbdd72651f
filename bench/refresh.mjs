/**
 * 2. POST /auth/refresh at 50 concurrent clients on the memory, fs and redis drivers.
 * Each client owns a real session (logged in through the mock provider) and sends its current
 * refresh cookie; every 200 rotates it, so a cookie is never sent twice. The three servers run
 * side by side and are loaded in rotated order each round.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { QUICK, REFRESH_COOKIE as COOKIE, RESULTS_DIR, aegisEnv, closedLoop, cookiePair, freePort, inParallel, log, loginViaMock, median, rotate, setCookies, sleep, spawnTracked, startApp } from './lib/shared.mjs'

const CONNECTIONS = 50

/** AEGIS_REDIS_URL, else a throwaway redis-server on a free loopback port, else undefined (row skipped). */
async function redisForBench() {
  if (process.env.AEGIS_REDIS_URL) return { url: process.env.AEGIS_REDIS_URL, note: 'AEGIS_REDIS_URL', stop: async () => {} }
  let binary
  try {
    binary = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  }
  catch {
    return undefined
  }
  if (!binary) return undefined
  const port = await freePort()
  const server = spawnTracked(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {})
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 50; attempt++) {
    if (server.output().includes('Ready to accept connections')) return { url, note: `redis-server started by the bench (${binary})`, stop: server.stop }
    await sleep(100)
  }
  await server.stop()
  throw new Error(`redis-server did not start:\n${server.output()}`)
}

export async function benchRefresh() {
  const rounds = QUICK ? 2 : 5
  const duration = QUICK ? 2 : 10
  const runId = `${process.pid}-${Date.now()}`
  const fsBase = `${RESULTS_DIR}/refresh-fs-${runId}`
  mkdirSync(fsBase, { recursive: true })
  const redis = await redisForBench()
  const drivers = ['memory', 'fs', ...(redis ? ['redis'] : [])]
  const servers = {}
  try {
    for (const driver of drivers) {
      servers[driver] = await startApp('aegis', aegisEnv({
        BENCH_REFRESH_DRIVER: driver,
        BENCH_FS_BASE: fsBase,
        BENCH_REDIS_URL: redis?.url ?? '',
        BENCH_REDIS_BASE: `aegis-bench-${runId}`,
      }))
    }
    // One live session per client: each client sends its current cookie and keeps the rotated one.
    const cookies = {}
    for (const driver of drivers) {
      const sessions = await inParallel(CONNECTIONS, 5, () => loginViaMock(servers[driver].url))
      cookies[driver] = sessions.map(session => session.refreshCookie)
    }
    const refreshLoad = async (driver, seconds) => {
      const { url } = servers[driver]
      const result = await closedLoop({
        url,
        clients: CONNECTIONS,
        seconds,
        next: client => ({ method: 'POST', path: '/auth/refresh', headers: { 'origin': url, 'sec-fetch-site': 'same-origin', 'cookie': cookies[driver][client] } }),
        onResponse(client, response) {
          const rotated = response.status === 200 ? cookiePair(setCookies(response.headers), COOKIE) : undefined
          if (rotated) cookies[driver][client] = rotated
        },
      })
      if (result.failed) throw new Error(`${driver}: ${result.failed} of ${result.total} refreshes failed`)
      return result
    }
    for (const driver of drivers) await refreshLoad(driver, QUICK ? 1 : 3)
    const runs = Object.fromEntries(drivers.map(driver => [driver, []]))
    for (let round = 0; round < rounds; round++) {
      for (const driver of rotate(drivers, round)) {
        runs[driver].push(await refreshLoad(driver, duration))
        await sleep(200)
      }
      log(`refresh round ${round + 1}/${rounds}: ${drivers.map(d => `${d} ${runs[d].at(-1).rps.toFixed(0)} req/s p99 ${runs[d].at(-1).p99.toFixed(0)} ms`).join(', ')}`)
    }
    const rows = drivers.map(driver => ({
      driver,
      rps: median(runs[driver].map(r => r.rps)),
      p50: median(runs[driver].map(r => r.p50)),
      p99: median(runs[driver].map(r => r.p99)),
    }))
    return {
      rounds,
      duration,
      connections: CONNECTIONS,
      rows,
      redisNote: redis ? redis.note : 'skipped: AEGIS_REDIS_URL is not set and no redis-server binary was found',
    }
  }
  finally {
    // Only this run's keys (its own base); a shared Redis from AEGIS_REDIS_URL keeps everything else.
    if (servers.redis) await fetch(`${servers.redis.url}/bench/clear`, { method: 'POST' }).catch(() => {})
    await Promise.all(Object.values(servers).map(server => server.stop()))
    await redis?.stop()
    rmSync(fsBase, { recursive: true, force: true })
  }
}
