/**
 * examples/sqlite-accounts, built once and run over HTTP: users, linked identities, password
 * hashes, passkeys and TOTP factors in a real SQLite file (db0 + node:sqlite). Register, confirm,
 * log in with the password, link the GitHub-like mock identity, log in with either as one user,
 * register a passkey (a software authenticator) and log in with it, enrol TOTP and finish a
 * password login with it, log out everywhere (every method), unlink rules. With
 * AEGIS_SKIP_FIXTURE_BUILD=1 an existing build of the example is reused.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, callback, decodeJwt, locationOf, postWithCookie, redeem, sameOrigin, send } from '../support/http'
import type { TokenBody } from '../support/http'
import { TEST_SECRET, freePort, startServer } from '../support/server'
import { authenticator as totpApp, secretOf } from '../support/totp'
import { SoftAuthenticator } from '../support/webauthn'
import type { RunningServer } from '../support/server'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const EXAMPLE = join(ROOT, 'examples/sqlite-accounts')
const EMAIL = 'ada@example.com'
const PASSWORD = 'correct horse battery staple'

let server: RunningServer
let base: string
let dataDir: string

beforeAll(async () => {
  if (process.env.AEGIS_SKIP_FIXTURE_BUILD !== '1' || !existsSync(join(EXAMPLE, '.output/server/index.mjs'))) {
    const nuxi = [`${ROOT}/node_modules/nuxi/bin/nuxi.mjs`, `${ROOT}/node_modules/@nuxt/cli/bin/nuxi.mjs`].find(path => existsSync(path))!
    execFileSync(process.execPath, [nuxi, 'build', EXAMPLE], { stdio: 'inherit', cwd: ROOT })
  }
  dataDir = mkdtempSync(join(tmpdir(), 'aegis-sqlite-'))
  rmSync(join(EXAMPLE, '.data/sessions'), { recursive: true, force: true })
  // Passkeys need a domain as RP ID: the site is http://localhost:PORT (the server listens on 127.0.0.1).
  const port = String(await freePort())
  server = await startServer({
    PORT: port,
    NUXT_PUBLIC_SITE_URL: `http://localhost:${port}`,
    NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
    NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
    ACCOUNTS_DEV_MAILBOX: '1',
    ACCOUNTS_DB_PATH: join(dataDir, 'accounts.sqlite'),
  }, { dir: EXAMPLE, readyPath: '/api/dev/outbox' })
  base = `http://localhost:${port}`
  authenticator = new SoftAuthenticator(base)
}, 300_000)

afterAll(async () => {
  await server?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const json = (body: unknown, extra: Record<string, string> = {}) => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...sameOrigin(base), ...extra } })

/** Codes of the TOTP factor once it is enrolled (each code is accepted once). */
let totp: ReturnType<typeof totpApp> | undefined

/** A password login; once TOTP is enrolled it answers the step, finished here with a code. */
async function passwordLogin(): Promise<{ jar: CookieJar, token: string }> {
  const jar = new CookieJar()
  const response = await send(new URL('/auth/password/login', base), { ...json({ email: EMAIL, password: PASSWORD }), jar })
  if (totp) {
    expect(response.status).toBe(202)
    const step = await response.json() as { status: string, stepToken: string }
    expect(step.status).toBe('mfa_required')
    expect(jar.get('nuxt-aegis-refresh')).toBeUndefined()
    const verified = await send(new URL('/auth/mfa/verify', base), { ...json({ stepToken: step.stepToken, code: await totp.code() }), jar })
    expect(verified.status, await verified.clone().text()).toBe(200)
    return { jar, token: (await verified.json() as TokenBody).token }
  }
  expect(response.status, await response.clone().text()).toBe(200)
  return { jar, token: (await response.json() as TokenBody).token }
}

/** The user's passkey authenticator (for the site's origin, once it is known). */
let authenticator: SoftAuthenticator

async function passkeyLogin(): Promise<{ jar: CookieJar, token: string }> {
  const jar = new CookieJar()
  const options = await (await send(new URL('/auth/passkey/login/options', base), { ...json({}), jar })).json() as { challenge: string, rpId?: string }
  const response = await send(new URL('/auth/passkey/login/verify', base), { ...json({ response: authenticator.get(options) }), jar })
  expect(response.status, await response.clone().text()).toBe(200)
  return { jar, token: (await response.json() as TokenBody).token }
}

/** Runs a mock login (or a link URL) to its callback in `jar`; where the callback sends the browser. */
async function mockFlow(start: URL, jar: CookieJar): Promise<URL> {
  const first = await send(start, { jar })
  const authorize = locationOf(first, start)
  const back = await send(authorize, { jar })
  return (await callback(locationOf(back, authorize), jar)).location
}

async function mockLogin(): Promise<{ jar: CookieJar, token: string }> {
  const jar = new CookieJar()
  const location = await mockFlow(new URL('/auth/mock?user=octo', base), jar)
  const response = await redeem(base, location.searchParams.get('code'), jar)
  expect(response.status).toBe(200)
  return { jar, token: (await response.json() as TokenBody).token }
}

/** The rows as the database holds them (read straight from the SQLite file). */
async function rows(sql: string, ...params: string[]): Promise<Array<Record<string, unknown>>> {
  const { DatabaseSync } = await import('node:sqlite')
  const db = new DatabaseSync(join(dataDir, 'accounts.sqlite'), { readOnly: true })
  try {
    return db.prepare(sql).all(...params) as Array<Record<string, unknown>>
  }
  finally {
    db.close()
  }
}

describe('[ACC-6] examples/sqlite-accounts: accounts on SQLite through db0', () => {
  let userId: string
  let passkeyId: string
  /** A GitHub-like session from before TOTP: OAuth logins of a user with a factor ask for it too (mfa.oauth). */
  let earlyMock: { jar: CookieJar, token: string }

  it('registers, confirms the emailed code and logs in with the password; the hash is in SQLite', async () => {
    expect((await send(new URL('/auth/password/register', base), json({ email: EMAIL, password: PASSWORD }))).status).toBe(202)
    let code: string | undefined
    for (let i = 0; i < 50 && !code; i++) {
      const { messages } = await (await send(new URL(`/api/dev/outbox?email=${encodeURIComponent(EMAIL)}`, base))).json() as { messages: Array<{ purpose: string, code: string }> }
      code = messages.find(message => message.purpose === 'verify')?.code
      if (!code) await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(code).toMatch(/^\d+$/)
    const verified = await send(new URL('/auth/password/verify', base), json({ email: EMAIL, code, password: PASSWORD }))
    expect(verified.status).toBe(200)
    const { token } = await passwordLogin()
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ provider: 'password', email: EMAIL, email_verified: true })
    userId = claims.sub as string
    const [user] = await rows('SELECT id, email, email_verified, password_hash FROM users WHERE email = ?', EMAIL)
    expect(user).toMatchObject({ id: userId, email_verified: 1, password_hash: expect.stringMatching(/^\$scrypt\$/) })
  })

  it('links the GitHub-like identity; either method then logs in as the same user', async () => {
    const session = await passwordLogin()
    const started = await send(new URL('/auth/link/mock', base), { ...json({}, { authorization: `Bearer ${session.token}` }), jar: session.jar })
    expect(started.status).toBe(200)
    const url = new URL((await started.json() as { url: string }).url, base)
    url.searchParams.set('user', 'octo')
    expect((await mockFlow(url, session.jar)).pathname).toBe('/')
    expect(await rows('SELECT provider, subject, user_id FROM identities')).toEqual([{ provider: 'mock', subject: 'gh-4242', user_id: userId }])

    const viaMock = await mockLogin()
    earlyMock = viaMock
    expect(decodeJwt(viaMock.token)).toMatchObject({ sub: userId, provider: 'mock' })
    const listed = await (await send(new URL('/auth/identities', base), { headers: { authorization: `Bearer ${viaMock.token}` } })).json()
    expect(listed).toEqual({ identities: [{ provider: 'password', subject: userId }, { provider: 'mock', subject: 'gh-4242' }] })
    expect(await rows('SELECT id FROM users')).toHaveLength(1)
  })

  it('registers a passkey through the API: stored in SQLite, linked to the user, and it logs in as them', async () => {
    const session = await passwordLogin()
    const options = await (await send(new URL('/auth/passkey/register/options', base), { ...json({}, { authorization: `Bearer ${session.token}` }), jar: session.jar })).json() as { challenge: string, rp: { id?: string }, user: { id: string } }
    expect(options.rp.id).toBe('localhost')
    const registered = await send(new URL('/auth/passkey/register/verify', base), { ...json({ response: authenticator.create(options), name: 'Soft key' }, { authorization: `Bearer ${session.token}` }), jar: session.jar })
    expect(registered.status, await registered.clone().text()).toBe(200)
    passkeyId = (await registered.json() as { passkey: { id: string } }).passkey.id
    expect(await rows('SELECT id, user_id, name, counter FROM passkeys')).toEqual([{ id: passkeyId, user_id: userId, name: 'Soft key', counter: 0 }])
    expect(await rows('SELECT user_id FROM identities WHERE provider = ? AND subject = ?', 'passkey', passkeyId)).toEqual([{ user_id: userId }])

    const viaPasskey = await passkeyLogin()
    expect(decodeJwt(viaPasskey.token)).toMatchObject({ sub: userId, provider: 'passkey' })
    expect(await rows('SELECT counter FROM passkeys WHERE id = ?', passkeyId)).toEqual([{ counter: 1 }])
  })

  it('enrols TOTP (the factor in SQLite, its secret encrypted); a password login then needs the code', async () => {
    const session = await passwordLogin()
    const bearer = { authorization: `Bearer ${session.token}` }
    const enrol = await send(new URL('/auth/mfa/totp/enroll', base), json({}, bearer))
    expect(enrol.status).toBe(200)
    const secret = secretOf((await enrol.json() as { uri: string }).uri)
    const app = totpApp(secret)
    const confirmed = await send(new URL('/auth/mfa/totp/confirm', base), json({ code: await app.code() }, bearer))
    expect(confirmed.status, await confirmed.clone().text()).toBe(200)
    const [stored] = await rows('SELECT factors FROM mfa_factors WHERE user_id = ?', userId)
    expect(JSON.parse(String(stored!.factors))).toMatchObject({ v: 1, totp: { secret: expect.stringMatching(/^aegis-enc\./) } })
    expect(String(stored!.factors)).not.toContain(secret)

    totp = app
    const withFactor = await passwordLogin()
    expect(decodeJwt(withFactor.token)).toMatchObject({ sub: userId, provider: 'password', amr: expect.arrayContaining(['pwd', 'otp', 'mfa']) })
  })

  it('logout everywhere from one method ends the sessions of every method', async () => {
    const viaPassword = await passwordLogin()
    const viaPasskey = await passkeyLogin()
    // The GitHub-like session is still live (a refresh rotates it); a new one would need the code.
    expect((await postWithCookie(base, '/auth/refresh', earlyMock.jar)).status).toBe(200)
    const out = await send(new URL('/auth/logout', base), { ...json({ everywhere: true }), jar: viaPasskey.jar })
    expect(out.status).toBe(204)
    for (const jar of [viaPassword.jar, earlyMock.jar, viaPasskey.jar]) expect((await postWithCookie(base, '/auth/refresh', jar)).status).toBe(401)
  })

  it('unlinks methods (a passkey with its row) but never the last one', async () => {
    // A passkey that verified the user is two factors already: no TOTP step.
    const { token } = await passkeyLogin()
    const unlink = (provider: string, subject: string) => send(new URL('/auth/unlink', base), json({ provider, subject }, { authorization: `Bearer ${token}` }))
    const first = await unlink('mock', 'gh-4242')
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ identities: [{ provider: 'password', subject: userId }, { provider: 'passkey', subject: passkeyId }] })
    expect((await unlink('passkey', passkeyId)).status).toBe(200)
    expect(await rows('SELECT id FROM passkeys')).toEqual([])
    const last = await unlink('password', userId)
    expect(last.status).toBe(409)
    expect(await last.json()).toMatchObject({ error: 'last_identity' })
    expect(await rows('SELECT password_hash FROM users WHERE id = ?', userId)).toEqual([{ password_hash: expect.stringMatching(/^\$scrypt\$/) }])
  })
})
