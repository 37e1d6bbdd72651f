/** Helpers for the credential e2e tests: their own fixture servers (own memory counters) and JSON POSTs. */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { CookieJar, REFRESH_COOKIE, sameOrigin, send } from './http'
import type { TokenBody } from './http'
import { TEST_SECRET, freePort, startServer } from './server'
import type { RunningServer } from './server'

export interface PasswordServer {
  url: string
  output: () => string
}

/**
 * Starts one built fixture for the calling test file with extra env (e.g.
 * `NUXT_AEGIS_TRUST_PROXY=1`), so its rate-limit counters and codes are its own.
 */
export function usePasswordServer(env: Record<string, string> = {}): PasswordServer {
  let server: RunningServer | undefined
  beforeAll(async () => {
    // Its own siteUrl: emailed links need one in production.
    const port = env.PORT ?? String(await freePort())
    server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, PORT: port, NUXT_PUBLIC_SITE_URL: `http://127.0.0.1:${port}`, ...env })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })
  return {
    get url() {
      return server!.url
    },
    output: () => server?.output() ?? '',
  }
}

/** A fresh email and a fresh client IP (for servers that trust X-Forwarded-For), so tests never share counters. */
export function uniqueEmail(name = 'user'): string {
  return `${name}-${randomBytes(4).toString('hex')}@example.com`
}

export function uniqueIp(): string {
  const b = randomBytes(3)
  return `10.${b[0]}.${b[1]}.${b[2]! % 250 + 1}`
}

export interface PostOptions {
  jar?: CookieJar
  ip?: string
  headers?: Record<string, string>
  /** Raw body instead of JSON.stringify(body). */
  raw?: string
}

/** A same-origin JSON POST as the app's pages send it. */
export function postJson(base: string, path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  return send(new URL(path, base), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...sameOrigin(base),
      ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
      ...options.headers,
    },
    body: options.raw ?? JSON.stringify(body),
    jar: options.jar,
  })
}

export interface Message { email: string, purpose: string, code: string, token: string, url?: string, expiresIn: number }

/** Messages sent to `email` (the fixture's outbox); waits briefly since sending is not awaited by the endpoint. */
export async function outbox(base: string, email: string, atLeast = 0): Promise<Message[]> {
  for (let i = 0; i < 50; i++) {
    const messages = await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(email)}`, base))).json() as Message[]
    if (messages.length >= atLeast) return messages
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`no message number ${atLeast} for ${email}`)
}

/** The last message sent to `email` once there are at least `count`. */
export async function lastMessage(base: string, email: string, count = 1): Promise<Message> {
  return (await outbox(base, email, count)).at(-1)!
}

export async function accountState(base: string, email: string) {
  return await (await fetch(new URL(`/api/test/password/account?email=${encodeURIComponent(email)}`, base))).json() as {
    account: { id: string, emailVerified: boolean, hashParams: string } | null
    persisted: Array<Record<string, unknown>>
  }
}

export interface PasswordSession { jar: CookieJar, token: string, body: TokenBody, refreshToken: string }

/** Logs in with a password; throws unless the answer is a token. */
export async function passwordLogin(base: string, email: string, password: string, ip?: string): Promise<PasswordSession> {
  const jar = new CookieJar()
  const response = await postJson(base, '/auth/password/login', { email, password }, { jar, ip })
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`)
  const body = await response.json() as TokenBody
  return { jar, token: body.token, body, refreshToken: jar.get(REFRESH_COOKIE)! }
}

/** Registers and verifies an account with the emailed code (loginCode 'register'). */
export async function registerVerified(base: string, email: string, password: string, ip?: string): Promise<void> {
  const registered = await postJson(base, '/auth/password/register', { email, password }, { ip })
  if (registered.status !== 202) throw new Error(`register answered ${registered.status}: ${await registered.text()}`)
  const { code } = await lastMessage(base, email)
  const verified = await postJson(base, '/auth/password/verify', { email, code, password }, { ip })
  if (verified.status !== 200) throw new Error(`verify answered ${verified.status}: ${await verified.text()}`)
}
