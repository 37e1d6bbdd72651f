/**
 * What every measurement shares: building and serving the bench apps on 127.0.0.1, running
 * autocannon, medians, and logging in through the mock provider.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const APPS_DIR = `${ROOT}/bench/apps`
export const RESULTS_DIR = `${ROOT}/bench/.results`

/** BENCH_QUICK=1: short smoke runs that check the suite end to end; the numbers mean little. */
export const QUICK = process.env.BENCH_QUICK === '1'

/** Bench-only secrets: the servers run on loopback for the length of the run. */
export const AEGIS_SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
/** The refresh cookie's name on the bench servers (production builds: Secure, so `__Host-` prefixed). */
export const REFRESH_COOKIE = '__Host-nuxt-aegis-refresh'
export const SESSION_PASSWORD = 'bench-only-session-password-0123456789-abcdef'

export const aegisEnv = extra => ({
  NUXT_AEGIS_TOKEN_SECRET: AEGIS_SECRET,
  NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
  ...extra,
})

export function log(message) {
  process.stdout.write(`[bench] ${message}\n`)
}

export const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The order of `variants` in round `round`: rotated each round, so no variant always runs first or last. */
export const rotate = (variants, round) => variants.map((_, index) => variants[(index + round) % variants.length])

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

export function nuxiPath() {
  const nuxi = [`${ROOT}/node_modules/nuxi/bin/nuxi.mjs`, `${ROOT}/node_modules/@nuxt/cli/bin/nuxi.mjs`].find(path => existsSync(path))
  if (!nuxi) throw new Error('nuxi not found: run npm install')
  return nuxi
}

/** `nuxi build` of one bench app (production build, as users deploy it). */
export function buildApp(name) {
  log(`building bench/apps/${name} ...`)
  const started = Date.now()
  execFileSync(process.execPath, [nuxiPath(), 'build', `${APPS_DIR}/${name}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
  })
  log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const running = new Set()
/** Stops every child still running (also on Ctrl-C), so a failed run leaves no server behind. */
export async function stopAll() {
  await Promise.all([...running].map(child => child.stop()))
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill()
    process.exit(130)
  })
}
// Also on a crash (uncaught error) or process.exit: never leave a server or redis-server behind.
process.on('exit', () => {
  for (const child of running) child.kill()
})

/**
 * Spawns a process and tracks it; `stop()` ends it and waits for its exit.
 * Only this process's own children are ever signalled.
 */
export function spawnTracked(command, args, options) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise(resolve => child.on('exit', resolve))
  const handle = {
    pid: child.pid,
    output: () => output,
    exited,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
    stop: async () => {
      handle.kill()
      await exited
      running.delete(handle)
    },
  }
  running.add(handle)
  return handle
}

/**
 * Starts a built bench app (`node .output/server/index.mjs`) on a free 127.0.0.1 port with a
 * minimal environment; resolves once it answers HTTP.
 */
export async function startApp(name, env = {}, { nodeArgs = [] } = {}) {
  const dir = `${APPS_DIR}/${name}`
  const port = await freePort()
  const server = spawnTracked(process.execPath, [...nodeArgs, `${dir}/.output/server/index.mjs`], {
    cwd: env.BENCH_CWD ?? dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env },
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw new Error(`${name} exited before answering:\n${server.output()}`)
    }
    try {
      await fetch(`${url}/`, { redirect: 'manual' })
      return { url, name, pid: server.pid, stop: server.stop, output: server.output }
    }
    catch {
      await sleep(100)
    }
  }
  await server.stop()
  throw new Error(`${name} did not start:\n${server.output()}`)
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere.
 * Less sensitive than req/s to other work on the machine: it counts only the server's own cycles.
 */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    // Fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  catch {
    return Number.NaN
  }
}

/**
 * One autocannon run against 127.0.0.1; the numbers every table uses.
 * `rps` is completed requests per second over the run (all statuses; `non2xx` says how many failed).
 */
export async function load(options) {
  if (!/^http:\/\/127\.0\.0\.1:/.test(options.url)) throw new Error(`refusing to load ${options.url}: loopback only`)
  const result = await autocannon({ connections: 10, pipelining: 1, ...options })
  const seconds = result.duration
  return {
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/**
 * `clients` closed-loop clients, each sending its next request as soon as its previous one is
 * answered, for `seconds` (or until `next` returns undefined). For flows where every request
 * depends on the previous answer (a rotated cookie, a fresh CODE), which a fixed-request load
 * tool cannot express. Keep-alive connections, one per client; latencies measured per request.
 */
export async function closedLoop({ url, clients, seconds, next, onResponse }) {
  if (!/^http:\/\/127\.0\.0\.1:/.test(url)) throw new Error(`refusing to load ${url}: loopback only`)
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  const { hostname, port } = new URL(url)
  const latencies = []
  let failed = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    while (performance.now() < deadline) {
      const spec = next(client)
      if (!spec) return
      const sent = performance.now()
      const response = await send(agent, { hostname, port, ...spec })
      latencies.push(performance.now() - sent)
      if (response.status < 200 || response.status > 299) failed++
      // May return a promise (the storm's tabs wait for each other): the client's next request waits for it.
      await onResponse?.(client, response, spec)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = p => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), total: latencies.length, failed }
}

function send(agent, { hostname, port, method, path, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, hostname, port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
      const chunks = []
      res.on('data', chunk => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** All Set-Cookie values of an autocannon or fetch response, whatever the header's case. */
export function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie()
  const values = []
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === 'set-cookie') values.push(...[value].flat())
  }
  return values
}

/** `name=value` of the cookie `name` among Set-Cookie values, or undefined. */
export function cookiePair(setCookieValues, name) {
  const found = setCookieValues.find(value => value.startsWith(`${name}=`) && !value.startsWith(`${name}=;`))
  return found?.split(';')[0]
}

/**
 * A full login through the built-in mock provider, the way a browser does it: provider route,
 * mock authorize, callback with state and PKCE, CODE hand-off, POST /auth/token.
 * Returns the access token and the refresh cookie (`name=value`).
 */
export async function loginViaMock(baseUrl, user = 'alice') {
  const jar = new Map()
  const remember = (response) => {
    for (const value of setCookies(response.headers)) {
      const pair = value.split(';')[0]
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
  }
  const cookieHeader = () => [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ')
  let url = `${baseUrl}/auth/mock?user=${user}`
  for (let hop = 0; hop < 6; hop++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader() } })
    remember(response)
    const location = response.headers.get('location')
    if (!location) throw new Error(`mock login stopped at ${url} with ${response.status}`)
    const next = new URL(location, url)
    const code = next.pathname === '/auth/callback' ? next.searchParams.get('code') : null
    if (code) {
      const tokenResponse = await fetch(`${baseUrl}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'origin': baseUrl, 'sec-fetch-site': 'same-origin', 'cookie': cookieHeader() },
        body: JSON.stringify({ code }),
      })
      if (tokenResponse.status !== 200) throw new Error(`POST /auth/token answered ${tokenResponse.status}: ${await tokenResponse.text()}`)
      const { token } = await tokenResponse.json()
      const refreshCookie = cookiePair(setCookies(tokenResponse.headers), REFRESH_COOKIE)
      if (!token || !refreshCookie) throw new Error('mock login returned no token or no refresh cookie')
      return { token, refreshCookie }
    }
    url = next.href
  }
  throw new Error('mock login did not reach the callback')
}

/** Runs `fn` with at most `limit` calls in flight. */
export async function inParallel(count, limit, fn) {
  const results = Array.from({ length: count })
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const index = next++
      results[index] = await fn(index)
    }
  }))
  return results
}

/** The version of an installed package, for the report. */
export async function packageVersion(name) {
  try {
    const { readFile } = await import('node:fs/promises')
    return JSON.parse(await readFile(`${ROOT}/node_modules/${name}/package.json`, 'utf8')).version
  }
  catch {
    return 'not installed'
  }
}
