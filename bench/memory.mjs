/**
 * 6. Memory: the server's resident size (and V8 heap) before, right after 100,000 CODEs are
 * issued, and after they were left to expire with no traffic at all. The CODE store is in
 * process memory, bounded in entries, and swept on a timer; the CODE lifetime is shortened
 * to TTL seconds (NUXT_AEGIS_AUTH_CODE_EXPIRES_IN) so the run does not wait a minute.
 * The server runs with --expose-gc and collects garbage before each reading.
 */
import { randomBytes } from 'node:crypto'
import { QUICK, aegisEnv, closedLoop, log, sleep, startApp } from './lib/shared.mjs'

const TTL = 5
const TOTAL = 100_000
const BATCH = 2000

async function reading(url) {
  const response = await fetch(`${url}/bench/memory`, { method: 'POST' })
  if (response.status !== 200) throw new Error(`memory reading answered ${response.status}`)
  const { rss, heapUsed, gc, credentials } = await response.json()
  if (!gc) throw new Error('the server does not run with --expose-gc')
  return { rss, heapUsed, credentials }
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

/**
 * 6b. Refused password logins with random emails: REFUSED requests over the per-IP limit (1 per
 * hour here, so all but the first are 429), each with an email never seen before. Every one may
 * leave a per-email counter in the credentials store (`aegis:credentials`, memory by default),
 * so the store's size decides what a flood leaves behind. The per-email window is shortened to
 * WINDOW seconds; readings: before, right after, and after the window and one sweep (60 s) with
 * no traffic. Run against the default store (the module's bounded memory driver) and, for
 * comparison, unstorage's memory driver (BENCH_CREDENTIALS_DRIVER=unstorage-memory).
 */
const REFUSED_TOTAL = 100_000
const WINDOW = 5
const SWEEP_WAIT = 75

async function refusedLogins(store) {
  const total = QUICK ? 10_000 : REFUSED_TOTAL
  const server = await startApp('aegis', aegisEnv({
    BENCH_CREDENTIALS_DRIVER: store,
    NUXT_AEGIS_PASSWORD_RATE_LIMIT_LOGIN_PER_IP_LIMIT: '1',
    NUXT_AEGIS_PASSWORD_RATE_LIMIT_LOGIN_PER_IP_WINDOW: '3600',
    NUXT_AEGIS_PASSWORD_RATE_LIMIT_LOGIN_PER_EMAIL_WINDOW: String(WINDOW),
  }), { nodeArgs: ['--expose-gc'] })
  try {
    const send = async (count) => {
      const statuses = {}
      let sent = 0
      const result = await closedLoop({
        url: server.url,
        clients: 32,
        seconds: 900,
        next: () => sent++ < count
          ? { method: 'POST', path: '/auth/password/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `${randomBytes(9).toString('base64url')}@example.com`, password: 'not-the-password' }) }
          : undefined,
        onResponse: (_client, response) => {
          statuses[response.status] = (statuses[response.status] ?? 0) + 1
        },
      })
      return { ...result, statuses }
    }
    // Warm up: compiled paths and first allocations, then let those counters expire too.
    await send(2000)
    await sleep((WINDOW + SWEEP_WAIT) * 1000)
    const before = await reading(server.url)
    const flood = await send(total)
    const afterFlood = await reading(server.url)
    log(`memory (${store}): ${total} refused logins in ${(flood.total / flood.rps).toFixed(1)} s (${JSON.stringify(flood.statuses)}); waiting ${WINDOW + SWEEP_WAIT} s`)
    await sleep((WINDOW + SWEEP_WAIT) * 1000)
    const afterExpiry = await reading(server.url)
    return { store, total, window: WINDOW, idle: WINDOW + SWEEP_WAIT, seconds: flood.total / flood.rps, statuses: flood.statuses, before, afterFlood, afterExpiry }
  }
  finally {
    await server.stop()
  }
}

export async function benchMemory() {
  const codes = await benchCodes()
  const refused = []
  for (const store of ['aegis-memory', 'unstorage-memory']) refused.push(await refusedLogins(store))
  return { ...codes, refused }
}

async function benchCodes() {
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
