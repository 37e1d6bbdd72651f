import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/basic', import.meta.url))
/** A test-only HS256 secret (48 bytes). */
export const TEST_SECRET = 'test-only-secret-0123456789-abcdefghijklmnopqrstuv'

export interface RunningServer {
  url: string
  stop: () => Promise<void>
  /** Everything the process printed so far. */
  output: () => string
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * The fixture configures emailed password links, which need `siteUrl` in production: servers
 * started without NUXT_PUBLIC_SITE_URL turn the links off (usePasswordServer sets a siteUrl).
 */
function withoutLinks(env: Record<string, string>): Record<string, string> {
  return env.NUXT_PUBLIC_SITE_URL ? {} : { NUXT_AEGIS_PASSWORD_LINKS_VERIFY: '', NUXT_AEGIS_PASSWORD_LINKS_RESET: '', NUXT_AEGIS_EMAIL_LINKS_LOGIN: '' }
}

/** Spawns the built fixture on a free port with the given env, collecting what it prints. */
async function spawnFixture(env: Record<string, string>, dir = FIXTURE_DIR) {
  // A caller that must know the URL up front (e.g. for NUXT_PUBLIC_SITE_URL) passes PORT.
  const port = env.PORT ? Number(env.PORT) : await freePort()
  const child = spawn(process.execPath, [`${dir}/.output/server/index.mjs`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', ...withoutLinks(env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, exited, url: `http://127.0.0.1:${port}`, output: () => output }
}

/** Starts the built fixture with the given env; resolves when it answers HTTP. */
export async function startServer(env: Record<string, string>, options: { waitForExit?: boolean, dir?: string, readyPath?: string } = {}): Promise<RunningServer> {
  const { child, exited, url, output } = await spawnFixture(env, options.dir)
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  }
  if (options.waitForExit) {
    await exited
    return { url, stop, output }
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fixture server exited with ${child.exitCode}:\n${output()}`)
    try {
      await fetch(`${url}${options.readyPath ?? '/api/public/ping'}`)
      return { url, stop, output }
    }
    catch {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  await stop()
  throw new Error(`fixture server did not start:\n${output()}`)
}

/** Runs the built fixture expecting it to refuse to start; returns its exit code and output. */
export async function startExpectingFailure(env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const { child, exited, output } = await spawnFixture(env)
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await exited
  clearTimeout(timer)
  return { code, output: output() }
}
