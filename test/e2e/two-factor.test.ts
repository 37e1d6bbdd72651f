import { describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, postWithCookie, setCookie } from '../support/http'
import { lastMessage, postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'
import { authenticator, secretOf, totpCode } from '../support/totp'

const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })

const PASSWORD = 'factor-pass-1'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function seed(base: string, email: string): Promise<string> {
  const response = await fetch(new URL('/api/test/password/seed', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
  return (await response.json() as { id: string }).id
}

async function passwordStep(base: string, email: string, ip: string, jar = new CookieJar()) {
  const response = await postJson(base, '/auth/password/login', { email, password: PASSWORD }, { ip, jar })
  return { response, body: await response.json(), jar }
}

async function status(base: string, token: string) {
  return await (await fetch(new URL('/auth/mfa/status', base), { headers: bearer(token) })).json()
}

/** A user with TOTP on: enrolled and confirmed with its first code. */
async function enrolled(base: string, token: string, ip: string) {
  const enrol = await postJson(base, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer(token) })
  expect(enrol.status).toBe(200)
  const body = await enrol.json()
  const app = authenticator(secretOf(body.uri))
  const confirm = await postJson(base, '/auth/mfa/totp/confirm', { code: await app.code() }, { ip, headers: bearer(token) })
  expect(confirm.status).toBe(200)
  return { app, enrol: body, recoveryCodes: (await confirm.json()).recoveryCodes as string[] }
}

/** A seeded password account with TOTP on, and the token of its first (one-factor) login. */
async function userWithFactor(base: string, name: string) {
  const ip = uniqueIp()
  const email = uniqueEmail(name)
  const sub = await seed(base, email)
  const first = await passwordStep(base, email, ip)
  const factor = await enrolled(base, first.body.token, ip)
  return { ip, email, sub, token: first.body.token as string, ...factor }
}

describe('[MFA-1] TOTP enrolment', () => {
  it('a logged-in user gets a server-side secret, an otpauth URI and an SVG QR; it is active only after a first valid code', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('enrol')
    const sub = await seed(server.url, email)
    const { body: { token } } = await passwordStep(server.url, email, ip)
    expect((await postJson(server.url, '/auth/mfa/totp/enroll', {}, { ip })).status).toBe(401)

    const enrol = await postJson(server.url, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer(token) })
    expect(enrol.status).toBe(200)
    expect(enrol.headers.get('cache-control')).toBe('no-store')
    const body = await enrol.json()
    expect(body.uri).toMatch(/^otpauth:\/\/totp\/Aegis%20Fixture:/)
    expect(new URL(body.uri).searchParams.get('issuer')).toBe('Aegis Fixture')
    expect(body.secret).toBe(secretOf(body.uri))
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(body.qr).toMatch(/^<svg[\s\S]*<\/svg>$/)
    // Not active yet: the password alone still logs in.
    expect((await passwordStep(server.url, email, ip)).response.status).toBe(200)
    expect(await status(server.url, token)).toEqual({ totp: false, recoveryCodes: 0 })

    const wrong = String((Number(totpCode(body.secret)) + 1) % 1_000_000).padStart(6, '0')
    const refused = await postJson(server.url, '/auth/mfa/totp/confirm', { code: wrong }, { ip, headers: bearer(token) })
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toBe('invalid_mfa_code')

    const app = authenticator(body.secret)
    const confirmed = await postJson(server.url, '/auth/mfa/totp/confirm', { code: await app.code() }, { ip, headers: bearer(token) })
    expect(confirmed.status).toBe(200)
    const { recoveryCodes } = await confirmed.json()
    expect(recoveryCodes).toHaveLength(10)
    for (const code of recoveryCodes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){3}$/)
    expect(new Set(recoveryCodes).size).toBe(10)
    expect(await status(server.url, token)).toEqual({ totp: true, recoveryCodes: 10 })

    // At rest: the secret encrypted, the recovery codes hashed.
    const stored = await (await fetch(new URL(`/api/test/mfa/factors?sub=${sub}`, server.url))).json()
    expect(stored.totp.secret).toMatch(/^aegis-enc\./)
    const json = JSON.stringify(stored)
    expect(json).not.toContain(body.secret)
    for (const code of recoveryCodes) expect(json).not.toContain(code.replace(/-/g, ''))
    expect(stored.recoveryCodes).toHaveLength(10)

    // Once active, a new enrolment (which would replace it) is refused.
    expect((await postJson(server.url, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer(token) })).status).toBe(409)
    // The secret never reached a token, a hook payload or the log.
    expect(JSON.stringify(decodeJwt(token))).not.toContain(body.secret)
    expect(JSON.stringify(await hookCalls(server.url))).not.toContain(body.secret)
    expect(server.output()).not.toContain(body.secret)
  })
})

describe('[MFA-2] logins of a user with a factor', () => {
  it('a password login answers 202 mfa_required with a step token; the code finishes it once, with amr pwd+otp+mfa', async () => {
    const user = await userWithFactor(server.url, 'step')
    const jar = new CookieJar()
    const step = await passwordStep(server.url, user.email, user.ip, jar)
    expect(step.response.status).toBe(202)
    expect(step.body).toEqual({ status: 'mfa_required', stepToken: expect.stringMatching(/^[\w-]{43}$/), methods: ['totp', 'recovery_code'], expiresIn: 300 })
    expect(setCookie(step.response, REFRESH_COOKIE)).toBeUndefined()
    expect(step.body.token).toBeUndefined()

    const code = await user.app.code()
    // The browser's cookies as they were before the step ended (the step cookie included).
    const kept = jar.clone()
    const done = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code }, { ip: user.ip, jar })
    expect(done.status).toBe(200)
    const body = await done.json()
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    const claims = decodeJwt(body.token)
    // The whole pending login: the same user, provider and custom claims as a one-factor login.
    const before = decodeJwt(user.token)
    expect(claims).toMatchObject({ sub: user.sub, provider: 'password', email: user.email, role: before.role, via: 'password', amr: ['pwd', 'otp', 'mfa'] })
    expect((await fetch(new URL('/api/test/mfa/protected', server.url), { headers: bearer(body.token) })).status).toBe(200)

    // The step token is single use; the code is accepted once, even in a new login.
    const again = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code }, { ip: user.ip, jar: kept })
    expect((await again.json()).error).toBe('invalid_mfa_step')
    const second = await passwordStep(server.url, user.email, user.ip)
    const replay = await postJson(server.url, '/auth/mfa/verify', { stepToken: second.body.stepToken, code }, { ip: user.ip, jar: second.jar })
    expect(replay.status).toBe(400)
    expect((await replay.json()).error).toBe('invalid_mfa_code')

    // Refresh keeps the second factor in amr.
    const refreshed = await postWithCookie(server.url, '/auth/refresh', jar)
    expect(refreshed.status).toBe(200)
    expect(decodeJwt((await refreshed.json()).token).amr).toEqual(['pwd', 'otp', 'mfa'])
  })

  it('an email-code login asks for the factor too (amr otp+mfa)', async () => {
    const user = await userWithFactor(server.url, 'stepmail')
    await postJson(server.url, '/auth/email/start', { email: user.email }, { ip: user.ip })
    const mail = await lastMessage(server.url, user.email)
    const jar = new CookieJar()
    const step = await postJson(server.url, '/auth/email/verify', { email: user.email, code: mail.code }, { ip: user.ip, jar })
    expect(step.status).toBe(202)
    const { stepToken, status: state } = await step.json()
    expect(state).toBe('mfa_required')
    const done = await postJson(server.url, '/auth/mfa/verify', { stepToken, code: await user.app.code() }, { ip: user.ip, jar })
    expect(done.status).toBe(200)
    expect(decodeJwt((await done.json()).token)).toMatchObject({ sub: user.sub, provider: 'email', amr: ['otp', 'mfa'] })
  })

  it('a recovery code finishes a login once', async () => {
    const user = await userWithFactor(server.url, 'recovery')
    const [code] = user.recoveryCodes
    const step = await passwordStep(server.url, user.email, user.ip)
    const done = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, recoveryCode: code!.toLowerCase() }, { ip: user.ip, jar: step.jar })
    expect(done.status).toBe(200)
    expect(decodeJwt((await done.json()).token).amr).toEqual(['pwd', 'otp', 'mfa'])
    expect(await status(server.url, user.token)).toEqual({ totp: true, recoveryCodes: 9 })
    const next = await passwordStep(server.url, user.email, user.ip)
    expect((await postJson(server.url, '/auth/mfa/verify', { stepToken: next.body.stepToken, recoveryCode: code }, { ip: user.ip, jar: next.jar })).status).toBe(400)
    // Another user's recovery code is not this user's.
    const other = await userWithFactor(server.url, 'recovery2')
    expect((await postJson(server.url, '/auth/mfa/verify', { stepToken: next.body.stepToken, recoveryCode: other.recoveryCodes[0] }, { ip: user.ip, jar: next.jar })).status).toBe(400)
  })

  it('a step token dies after 5 wrong codes, and the per-user limit caps guesses over several steps', async () => {
    const user = await userWithFactor(server.url, 'budget')
    const wrongCode = () => String((Number(totpCode(secretOf(user.enrol.uri))) + 500_000) % 1_000_000).padStart(6, '0')
    const statuses: number[] = []
    const step = await passwordStep(server.url, user.email, user.ip)
    for (let i = 0; i < 5; i++) statuses.push((await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: wrongCode() }, { ip: uniqueIp(), jar: step.jar })).status)
    const dead = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { ip: uniqueIp(), jar: step.jar })
    expect((await dead.json()).error).toBe('invalid_mfa_step')
    // 12 per user per window: the confirmation and every wrong code count (a dead step token is refused before).
    const next = await passwordStep(server.url, user.email, user.ip)
    for (let i = 0; i < 5; i++) statuses.push((await postJson(server.url, '/auth/mfa/verify', { stepToken: next.body.stepToken, code: wrongCode() }, { ip: uniqueIp(), jar: next.jar })).status)
    const last = await passwordStep(server.url, user.email, user.ip)
    statuses.push((await postJson(server.url, '/auth/mfa/verify', { stepToken: last.body.stepToken, code: wrongCode() }, { ip: uniqueIp(), jar: last.jar })).status)
    expect(statuses).toEqual(Array.from({ length: 11 }, () => 400))
    const limited = await postJson(server.url, '/auth/mfa/verify', { stepToken: last.body.stepToken, code: await user.app.code() }, { ip: uniqueIp(), jar: last.jar })
    expect(limited.status).toBe(429)
  })

  it('rejects cross-site posts, malformed bodies and unknown step tokens', async () => {
    const user = await userWithFactor(server.url, 'xsite')
    const step = await passwordStep(server.url, user.email, user.ip)
    const crossSite = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { jar: step.jar, headers: { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' } })
    expect(crossSite.status).toBe(403)
    expect((await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: '12345' }, { ip: user.ip, jar: step.jar })).status).toBe(400)
    expect((await postJson(server.url, '/auth/mfa/verify', { stepToken: 'x'.repeat(43), code: '123456' }, { ip: user.ip })).status).toBe(400)
    // The refused requests spent nothing: the step still finishes.
    expect((await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: await user.app.code() }, { ip: user.ip, jar: step.jar })).status).toBe(200)
  })

  it('disabling needs a fresh code, not a used one nor the token alone', async () => {
    const user = await userWithFactor(server.url, 'disable')
    const step = await passwordStep(server.url, user.email, user.ip)
    const used = await user.app.code()
    const login = await postJson(server.url, '/auth/mfa/verify', { stepToken: step.body.stepToken, code: used }, { ip: user.ip, jar: step.jar })
    const token = (await login.json()).token
    expect((await postJson(server.url, '/auth/mfa/totp/disable', {}, { ip: user.ip, headers: bearer(token) })).status).toBe(400)
    const replayed = await postJson(server.url, '/auth/mfa/totp/disable', { code: used }, { ip: user.ip, headers: bearer(token) })
    expect((await replayed.json()).error).toBe('invalid_mfa_code')
    expect((await status(server.url, token)).totp).toBe(true)
    const disabled = await postJson(server.url, '/auth/mfa/totp/disable', { code: await user.app.code() }, { ip: user.ip, headers: bearer(token) })
    expect(disabled.status).toBe(200)
    expect((await passwordStep(server.url, user.email, user.ip)).response.status).toBe(200)
  })
})

describe('[MFA-3] requireAuth(event, { mfa: true })', () => {
  it('refuses a one-factor token, and an amr an app claims or a stored record carries', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('onefactor')
    await seed(server.url, email)
    const { body } = await passwordStep(server.url, email, ip)
    expect(decodeJwt(body.token).amr).toEqual(['pwd'])
    const refused = await fetch(new URL('/api/test/mfa/protected', server.url), { headers: bearer(body.token) })
    expect(refused.status).toBe(403)
    expect((await refused.json()).data.error).toBe('mfa_required')

    // customClaims returning amr: ['pwd', 'otp', 'mfa'] are dropped (amr is the module's).
    const app = await postJson(server.url, '/auth/credentials-amr', { user: 'erin' }, { ip })
    const appToken = (await app.json()).token
    expect(decodeJwt(appToken).amr).toBeUndefined()
    expect((await fetch(new URL('/api/test/mfa/protected', server.url), { headers: bearer(appToken) })).status).toBe(403)

    // A session record with amr inside its claims (an older version's, or written by the app).
    const jar = new CookieJar()
    await postJson(server.url, '/api/test/mfa/legacy-session', { sub: `legacy-${Date.now()}` }, { jar })
    const refreshed = await postWithCookie(server.url, '/auth/refresh', jar)
    expect(refreshed.status).toBe(200)
    const legacyToken = (await refreshed.json()).token
    expect(decodeJwt(legacyToken).amr).toBeUndefined()
    expect((await fetch(new URL('/api/test/mfa/protected', server.url), { headers: bearer(legacyToken) })).status).toBe(403)
  })
})
