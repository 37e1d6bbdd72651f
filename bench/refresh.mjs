/**
 * 2. POST /auth/refresh at 50 concurrent clients on the memory, fs and redis drivers.
 * Each client owns a real session (logged in through the mock provider) and sends its current
 * refresh cookie; every 200 rotates it, so a cookie is never sent twice. The three servers run
 * side by side and are loaded in rotated order each round.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import { QUICK, REFRESH_COOKIE as COOKIE, RESULTS_DIR, aegisEnv, closedLoop, cookiePair, cpuSeconds, freePort, inParallel, log, loginViaMock, median, rotate, setCookies, sleep, spawnTracked, startApp } from './lib/shared.mjs'

const CONNECTIONS = 50
/** Refresh throughput on memory ≥ this share of the trivial route's (issue 19). */
export const TARGET = 0.35
/** p99 of a refresh on memory at most this (ms). */
export const TARGET_P99 = 10

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
  const rounds = Number(process.env.BENCH_ROUNDS) || (QUICK ? 2 : 5)
  const duration = Number(process.env.BENCH_SECONDS) || (QUICK ? 2 : 10)
  const runId = `${process.pid}-${Date.now()}`
  const fsBase = `${RESULTS_DIR}/refresh-fs-${runId}`
  mkdirSync(fsBase, { recursive: true })
  // BENCH_REFRESH_DRIVERS=memory,redis: some drivers only (a quicker look while working on it).
  const wanted = process.env.BENCH_REFRESH_DRIVERS?.split(',').map(name => name.trim())
  const redis = !wanted || wanted.includes('redis') ? await redisForBench() : undefined
  const drivers = ['memory', 'fs', ...(redis ? ['redis'] : [])].filter(driver => !wanted || wanted.includes(driver))
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
    // The reference: a trivial route of the memory server (`GET /bench/ping`), same clients, same loop.
    const trivialLoad = async (seconds) => {
      const { url } = servers[drivers[0]]
      const result = await closedLoop({ url, clients: CONNECTIONS, seconds, next: () => ({ method: 'GET', path: '/bench/ping', headers: {} }) })
      if (result.failed) throw new Error(`trivial route: ${result.failed} of ${result.total} requests failed`)
      return result
    }
    const variants = ['trivial', ...drivers]
    const measure = async (variant, seconds) => {
      const { pid } = servers[variant === 'trivial' ? drivers[0] : variant]
      const before = cpuSeconds(pid)
      const result = variant === 'trivial' ? await trivialLoad(seconds) : await refreshLoad(variant, seconds)
      result.cpuPerRequest = (cpuSeconds(pid) - before) / result.total
      return result
    }
    for (const variant of variants) await measure(variant, QUICK ? 1 : 3)
    const runs = Object.fromEntries(variants.map(variant => [variant, []]))
    const loads = []
    for (let round = 0; round < rounds; round++) {
      for (const variant of rotate(variants, round)) {
        runs[variant].push(await measure(variant, duration))
        await sleep(200)
      }
      loads.push(os.loadavg()[0])
      log(`refresh round ${round + 1}/${rounds}: ${variants.map(d => `${d} ${runs[d].at(-1).rps.toFixed(0)} req/s p99 ${runs[d].at(-1).p99.toFixed(1)} ms ${(runs[d].at(-1).cpuPerRequest * 1e6).toFixed(0)} µs CPU`).join(', ')} (load ${loads.at(-1).toFixed(2)})`)
    }
    // Per round, each variant against the same round's trivial route (req/s, and CPU time per request).
    const perRound = variant => runs[variant].map((run, round) => run.rps / runs.trivial[round].rps)
    const rows = variants.map(driver => ({
      driver,
      rps: median(runs[driver].map(r => r.rps)),
      p50: median(runs[driver].map(r => r.p50)),
      p99: median(runs[driver].map(r => r.p99)),
      cpuUs: median(runs[driver].map(r => r.cpuPerRequest * 1e6)),
      ratio: median(perRound(driver)),
      cpuRatio: median(runs[driver].map((run, round) => runs.trivial[round].cpuPerRequest / run.cpuPerRequest)),
      perRound: perRound(driver),
    }))
    return {
      rounds,
      duration,
      connections: CONNECTIONS,
      rows,
      loads,
      target: TARGET,
      targetP99: TARGET_P99,
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
