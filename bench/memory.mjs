/**
 * 6. Memory: the server's resident size (and V8 heap) before, right after 100,000 CODEs are
 * issued, and after they were left to expire with no traffic at all. The CODE store is in
 * process memory, bounded in entries, and swept on a timer; the CODE lifetime is shortened
 * to TTL seconds (NUXT_AEGIS_AUTH_CODE_EXPIRES_IN) so the run does not wait a minute.
 * The server runs with --expose-gc and collects garbage before each reading.
 */
import { QUICK, aegisEnv, log, sleep, startApp } from './lib/shared.mjs'

const TTL = 5
const TOTAL = 100_000
const BATCH = 2000

async function reading(url) {
  const response = await fetch(`${url}/bench/memory`, { method: 'POST' })
  if (response.status !== 200) throw new Error(`memory reading answered ${response.status}`)
  const { rss, heapUsed, gc } = await response.json()
  if (!gc) throw new Error('the server does not run with --expose-gc')
  return { rss, heapUsed }
}

async function issue(url, count) {
  for (let done = 0; done < count; done += BATCH) {
    const response = await fetch(`${url}/bench/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: Math.min(BATCH, count - done), keep: false }),
    })
    if (response.status !== 200) throw new Error(`issuing CODEs answered ${response.status}`)
  }
}

export async function benchMemory() {
  const total = QUICK ? 20_000 : TOTAL
  const server = await startApp('aegis', aegisEnv({ BENCH_REFRESH_DRIVER: 'memory', NUXT_AEGIS_AUTH_CODE_EXPIRES_IN: String(TTL) }), { nodeArgs: ['--expose-gc'] })
  try {
    // Warm up (code paths compiled, first allocations done), then let that expire too.
    await issue(server.url, 2000)
    await sleep((2 * TTL + 1) * 1000)
    const before = await reading(server.url)
    const started = Date.now()
    await issue(server.url, total)
    const issueSeconds = (Date.now() - started) / 1000
    const afterIssue = await reading(server.url)
    log(`memory: ${total} CODEs issued in ${issueSeconds.toFixed(1)} s; waiting for them to expire`)
    // No request at all while they expire: only the store's own sweep can free them.
    await sleep((2 * TTL + 2) * 1000)
    const afterExpiry = await reading(server.url)
    return { total, ttl: TTL, issueSeconds, before, afterIssue, afterExpiry }
  }
  finally {
    await server.stop()
  }
}
