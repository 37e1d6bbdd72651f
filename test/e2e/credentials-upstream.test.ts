/**
 * Credentials logins that keep the backend's tokens (defineCredentialsEventHandler keepTokens):
 * test/fixtures/basic/server/routes/auth/directus.post.ts logs in against a Directus-shaped test
 * backend (test/support/upstream-backend.ts) whose access tokens live 1.5 s and whose refresh
 * tokens rotate; server/api/upstream/me.get.ts calls it with getProviderToken(event, 'directus').
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, decodeJwt, postWithCookie, send } from '../support/http'
import { postJson, uniqueIp } from '../support/password'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { storedFiles } from '../support/storage'
import { UPSTREAM_USERS, revokeUpstream, startUpstreamBackend } from '../support/upstream-backend'
import type { UpstreamBackend } from '../support/upstream-backend'

const ACCESS_TTL_MS = 1500
const ENCRYPTION_KEY = 'e2e-upstream-encryption-key-0123456789abcdef'
const [UMA, VIC, WES] = UPSTREAM_USERS as [typeof UPSTREAM_USERS[0], typeof UPSTREAM_USERS[0], typeof UPSTREAM_USERS[0]]

let backend: UpstreamBackend
let app: RunningServer

beforeAll(async () => {
  backend = await startUpstreamBackend({ accessTtlMs: ACCESS_TTL_MS })
  app = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_UPSTREAM_URL: backend.url, NUXT_AEGIS_ENCRYPTION_ENABLED: 'true', NUXT_AEGIS_ENCRYPTION_KEY: ENCRYPTION_KEY })
}, 60_000)

afterAll(async () => {
  await app?.stop()
  await backend?.stop()
})

interface Login { jar: CookieJar, token: string, text: string, response: Response }
interface UpstreamCall { status: number, id: string | null, tokenHash: string }

async function login(base: string, user: { email: string, password: string }): Promise<Login> {
  const jar = new CookieJar()
  const response = await postJson(base, '/auth/directus', { email: user.email, password: user.password }, { jar, ip: uniqueIp() })
  const text = await response.text()
  expect(response.status, text).toBe(200)
  return { jar, token: (JSON.parse(text) as { token: string }).token, text, response }
}

function callUpstream(base: string, token: string): Promise<Response> {
  return fetch(new URL('/api/upstream/me', base), { headers: { authorization: `Bearer ${token}` } })
}

async function upstreamCall(base: string, token: string): Promise<UpstreamCall> {
  const response = await callUpstream(base, token)
  expect(response.status, await response.clone().text()).toBe(200)
  return await response.json() as UpstreamCall
}

async function errorCode(response: Response): Promise<string | undefined> {
  return (await response.json() as { data?: { error?: string } }).data?.error
}

const hash16 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16)
/** Waits until the backend's access tokens issued now are past due (they live ACCESS_TTL_MS). */
const afterUpstreamExpiry = () => new Promise(resolve => setTimeout(resolve, ACCESS_TTL_MS + 200))

describe('[PWD-19] credentials login keeps the backend tokens on the server', () => {
  it('calls the backend through getProviderToken; no response, cookie, claim or page carries a backend token', async () => {
    const before = backend.issued()
    const session = await login(app.url, UMA)
    const claims = decodeJwt(session.token)
    expect(claims).toMatchObject({ sub: UMA.id, provider: 'directus', email: UMA.email, sid: expect.stringMatching(/^[\w-]{32}$/) })

    const first = await upstreamCall(app.url, session.token)
    expect(first).toMatchObject({ status: 200, id: UMA.id })
    // Fresh: the same token again, no refresh.
    expect((await upstreamCall(app.url, session.token)).tokenHash).toBe(first.tokenHash)

    // Everything the browser gets: the login answer, its cookies, /api/user/me and a rendered page.
    const me = await (await fetch(new URL('/api/user/me', app.url), { headers: { authorization: `Bearer ${session.token}` } })).text()
    const page = await (await send(new URL('/', app.url), { jar: session.jar, headers: { 'accept': 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } })).text()
    expect(page).toContain(UMA.first_name)
    const seen = [session.text, me, page, JSON.stringify(claims), ...session.jar.names().map(name => session.jar.get(name) ?? ''), ...session.response.headers.getSetCookie()].join('\n')
    const issued = backend.issued()
    const mine = [...issued.access, ...issued.refresh].filter(token => !before.access.includes(token) && !before.refresh.includes(token))
    expect(mine).toHaveLength(2)
    for (const token of mine) expect(seen).not.toContain(token)
    expect(issued.access.map(hash16)).toContain(first.tokenHash)
    // At rest the session records are encrypted: no backend token in the storage files either.
    const files = storedFiles().map(file => file.text).join('\n')
    for (const token of mine) expect(files).not.toContain(token)
  })

  it('refreshes an expired token once for parallel calls; the rotated refresh token is kept', async () => {
    const session = await login(app.url, VIC)
    const first = await upstreamCall(app.url, session.token)
    await afterUpstreamExpiry()
    const before = backend.issued().refreshes[VIC.id] ?? 0
    const calls = await Promise.all(Array.from({ length: 6 }, () => upstreamCall(app.url, session.token)))
    expect(backend.issued().refreshes[VIC.id]).toBe(before + 1)
    expect(new Set(calls.map(call => call.tokenHash)).size).toBe(1)
    expect(calls[0]!.tokenHash).not.toBe(first.tokenHash)
    expect(calls.every(call => call.status === 200 && call.id === VIC.id)).toBe(true)
    // A second expiry refreshes with the rotated refresh token (the first one no longer works there).
    await afterUpstreamExpiry()
    const again = await upstreamCall(app.url, session.token)
    expect(again.status).toBe(200)
    expect(again.tokenHash).not.toBe(calls[0]!.tokenHash)
    expect(backend.issued().refreshes[VIC.id]).toBe(before + 2)
  })

  it('a refused refresh answers 401 provider_reauth_required and removes the kept tokens', async () => {
    const session = await login(app.url, WES)
    await upstreamCall(app.url, session.token)
    await revokeUpstream(backend, WES.id)
    await afterUpstreamExpiry()
    const refused = await callUpstream(app.url, session.token)
    expect(refused.status).toBe(401)
    expect(await errorCode(refused)).toBe('provider_reauth_required')
    // Removed: the next call does not ask the backend again, and the app session itself lives on.
    const refreshes = backend.issued().refreshes[WES.id] ?? 0
    const after = await callUpstream(app.url, session.token)
    expect(after.status).toBe(401)
    expect(await errorCode(after)).toBe('provider_reauth_required')
    expect(backend.issued().refreshes[WES.id] ?? 0).toBe(refreshes)
    expect((await postWithCookie(app.url, '/auth/refresh', session.jar)).status).toBe(200)
  })

  it('logout removes the kept tokens with the session', async () => {
    const session = await login(app.url, UMA)
    await upstreamCall(app.url, session.token)
    const countKept = () => storedFiles().filter(file => /[/\\]provider[/\\:]|provider:/.test(file.path)).length
    const kept = countKept()
    expect(kept).toBeGreaterThan(0)
    expect((await postWithCookie(app.url, '/auth/logout', session.jar)).status).toBeLessThan(300)
    expect(countKept()).toBe(kept - 1)
    // The session's access token itself is refused now (revocation), so the app answers 401 first.
    const after = await callUpstream(app.url, session.token)
    expect(after.status).toBe(401)
  })

  it('a wrong backend password is a 401 and keeps nothing; a login of another provider gets a 409', async () => {
    const wrong = await postJson(app.url, '/auth/directus', { email: UMA.email, password: 'not-the-password' }, { ip: uniqueIp() })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: 'invalid_credentials', message: 'The email or password is incorrect.' })
    expect(wrong.headers.getSetCookie()).toEqual([])
    // The fixture's plain credentials login (no keepTokens) has no directus tokens.
    const other = await postJson(app.url, '/auth/credentials', { email: 'dana@example.com', password: 'dana-secret-pass' }, { ip: uniqueIp() })
    const { token } = await other.json() as { token: string }
    const unavailable = await callUpstream(app.url, token)
    expect(unavailable.status).toBe(409)
    expect(await errorCode(unavailable)).toBe('provider_token_unavailable')
  })
})

describe.skipIf(!redisUrl)('[PWD-19] one backend refresh across instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('upstream', () => ({ env: { NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_UPSTREAM_URL: backend.url, NUXT_AEGIS_ENCRYPTION_ENABLED: 'true', NUXT_AEGIS_ENCRYPTION_KEY: ENCRYPTION_KEY } }))

  it('parallel calls on two instances after expiry: one refresh at the backend, one token for all', async () => {
    const session = await login(pair.a.url, VIC)
    expect((await upstreamCall(pair.b.url, session.token)).id).toBe(VIC.id)
    await afterUpstreamExpiry()
    const before = backend.issued().refreshes[VIC.id] ?? 0
    const calls = await Promise.all(Array.from({ length: 8 }, (_, i) => upstreamCall(i % 2 ? pair.a.url : pair.b.url, session.token)))
    expect(backend.issued().refreshes[VIC.id]).toBe(before + 1)
    expect(new Set(calls.map(call => call.tokenHash)).size).toBe(1)
    // The kept tokens are in Redis, encrypted like the session records.
    const stored = await pair.redis.keys(`${pair.base}:refresh:*`)
    expect(stored.some(key => key.includes('provider'))).toBe(true)
    const values = (await Promise.all(stored.map(key => pair.redis.get(key)))).join('\n')
    const issued = backend.issued()
    for (const token of [...issued.access, ...issued.refresh]) expect(values).not.toContain(token)
  })
})
