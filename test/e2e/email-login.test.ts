import { describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, send, setCookie } from '../support/http'
import { lastMessage, outbox, postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'
import type { Message } from '../support/password'

const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })

/** A verified password account (the email login shares the password fixture's accounts). */
async function seed(base: string, email: string): Promise<string> {
  const response = await fetch(new URL('/api/test/password/seed', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'seeded-pass-1' }) })
  return (await response.json() as { id: string }).id
}

async function mails(base: string, email: string): Promise<Message[]> {
  return await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(email)}`, base))).json() as Message[]
}

/** Waits for the mail the endpoint hands off without waiting, so an absence below means something. */
const settle = () => new Promise(resolve => setTimeout(resolve, 250))

const start = (base: string, email: string, ip: string) => postJson(base, '/auth/email/start', { email }, { ip })
const verify = (base: string, body: Record<string, unknown>, ip: string, jar?: CookieJar) => postJson(base, '/auth/email/verify', body, { ip, jar })

describe('[EML-1] email code login', () => {
  it('sends a code and a siteUrl link to the stored address; the code signs in once with amr otp', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('eml')
    const id = await seed(server.url, email)
    const started = await start(server.url, email, ip)
    expect(started.status).toBe(202)
    expect(await started.json()).toEqual({ status: 'accepted' })
    expect(started.headers.get('cache-control')).toBe('no-store')
    const mail = await lastMessage(server.url, email)
    expect(mail).toMatchObject({ email, purpose: 'email', code: expect.stringMatching(/^\d{8}$/), expiresIn: 600 })
    expect(mail.url).toBe(`${server.url}/email-login?token=${mail.token}`)

    const jar = new CookieJar()
    const signedIn = await verify(server.url, { email, code: mail.code }, ip, jar)
    expect(signedIn.status).toBe(200)
    const body = await signedIn.json()
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 600 })
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    expect(decodeJwt(body.token)).toMatchObject({ sub: id, provider: 'email', email, email_verified: true, amr: ['otp'], via: 'email' })

    const replay = await verify(server.url, { email, code: mail.code }, ip)
    expect(replay.status).toBe(400)
    expect((await replay.json()).error).toBe('invalid_verification_code')
    // The link of the spent code is spent too (one record).
    expect((await verify(server.url, { token: mail.token }, ip)).status).toBe(400)
  })

  it('the link signs in only by POST: a GET (a mail scanner) spends nothing', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('emllink')
    await seed(server.url, email)
    await start(server.url, email, ip)
    const mail = await lastMessage(server.url, email)
    const scanned = await send(new URL(`/auth/email/verify?token=${mail.token}`, server.url), { method: 'GET' })
    expect(scanned.status).toBe(405)
    expect(setCookie(scanned, REFRESH_COOKIE)).toBeUndefined()
    const jar = new CookieJar()
    const confirmed = await verify(server.url, { token: mail.token }, ip, jar)
    expect(confirmed.status).toBe(200)
    expect(decodeJwt((await confirmed.json()).token)).toMatchObject({ provider: 'email', email, amr: ['otp'] })
    expect((await verify(server.url, { token: mail.token }, ip)).status).toBe(400)
    expect((await verify(server.url, { email, code: mail.code }, ip)).status).toBe(400)
  })

  it('one answer for known and unknown addresses; unknown ones get no mail and no account (signUp off)', async () => {
    const ip = uniqueIp()
    const known = uniqueEmail('emlknown')
    const unknown = uniqueEmail('emlunknown')
    await seed(server.url, known)
    const a = await start(server.url, known, ip)
    const b = await start(server.url, unknown, ip)
    expect([a.status, b.status]).toEqual([202, 202])
    expect(await a.text()).toBe(await b.text())
    await lastMessage(server.url, known)
    await settle()
    expect(await mails(server.url, unknown)).toEqual([])
    // Every guess fails: there is no account and no sign-up.
    expect((await verify(server.url, { email: unknown, code: '00000000' }, ip)).status).toBe(400)
    const state = await (await fetch(new URL(`/api/test/password/account?email=${encodeURIComponent(unknown)}`, server.url))).json()
    expect(state.account).toBeNull()
  })

  it('a code is bound to its account and to its purpose', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('emlbind')
    const other = uniqueEmail('emlbind2')
    await seed(server.url, email)
    await seed(server.url, other)
    await start(server.url, other, ip)
    const otherMail = await lastMessage(server.url, other)
    await start(server.url, email, ip)
    const mail = await lastMessage(server.url, email)
    if (otherMail.code !== mail.code) expect((await verify(server.url, { email, code: otherMail.code }, ip)).status).toBe(400)
    // An email login code is not a password login code, nor a password verification code.
    expect((await postJson(server.url, '/auth/password/login/code', { email, code: mail.code }, { ip })).status).toBe(400)
    expect((await postJson(server.url, '/auth/password/verify', { token: mail.token, password: 'seeded-pass-1' }, { ip })).status).toBe(400)
    // ...and a password registration's verification code is not an email login code.
    const registered = uniqueEmail('emlreg')
    await postJson(server.url, '/auth/password/register', { email: registered, password: 'register-pass-1' }, { ip })
    const verification = await lastMessage(server.url, registered)
    expect(verification.purpose).toBe('verify')
    expect((await verify(server.url, { email: registered, code: verification.code }, ip)).status).toBe(400)
    expect((await verify(server.url, { token: verification.token }, ip)).status).toBe(400)
    // The mismatches above spent nothing of the right code.
    expect((await verify(server.url, { email, code: mail.code }, ip)).status).toBe(200)
  })

  it('a code dies after maxAttempts wrong entries, even the right one then fails', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('emlbudget')
    await seed(server.url, email)
    await start(server.url, email, ip)
    const { code } = await lastMessage(server.url, email)
    const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0')
    for (let i = 0; i < 5; i++) expect((await verify(server.url, { email, code: wrong }, ip)).status).toBe(400)
    expect((await verify(server.url, { email, code }, ip)).status).toBe(400)
  })

  it('rejects cross-site requests, other methods, and malformed bodies', async () => {
    const email = uniqueEmail('emlxs')
    await seed(server.url, email)
    const crossSite = await postJson(server.url, '/auth/email/start', { email }, { headers: { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' } })
    expect(crossSite.status).toBe(403)
    await settle()
    expect(await mails(server.url, email)).toEqual([])
    expect((await send(new URL('/auth/email/start', server.url), { method: 'GET' })).status).toBe(405)
    expect((await postJson(server.url, '/auth/email/start', { email: 'not-an-email' })).status).toBe(400)
    expect((await postJson(server.url, '/auth/email/verify', { email, code: '12ab56' })).status).toBe(400)
    expect((await postJson(server.url, '/auth/email/verify', { email, code: '12345' })).status).toBe(400)
  })
})

describe('[EML-2] email login rate limits', () => {
  it('per account: over the send limit answers 429 and stores no new code (the last one still works)', async () => {
    const email = uniqueEmail('emlsend')
    await seed(server.url, email)
    for (let i = 0; i < 4; i++) expect((await start(server.url, email, uniqueIp())).status).toBe(202)
    const fourth = await lastMessage(server.url, email, 4)
    const refused = await start(server.url, email, uniqueIp())
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    await settle()
    expect(await mails(server.url, email)).toHaveLength(4)
    expect((await verify(server.url, { email, code: fourth.code }, uniqueIp())).status).toBe(200)
  })

  it('per IP, checked before the account: a refused request draws nothing from the account\'s budget', async () => {
    const ip = uniqueIp()
    for (let i = 0; i < 30; i++) expect((await start(server.url, uniqueEmail('emlip'), ip)).status).toBe(202)
    const victim = uniqueEmail('emlipvictim')
    await seed(server.url, victim)
    for (let i = 0; i < 6; i++) expect((await start(server.url, victim, ip)).status).toBe(429)
    await settle()
    expect(await mails(server.url, victim)).toEqual([])
    // From elsewhere the account still has its whole budget of 4.
    for (let i = 0; i < 4; i++) expect((await start(server.url, victim, uniqueIp())).status).toBe(202)
    expect(await outbox(server.url, victim, 4)).toHaveLength(4)
  })

  it('per account on code entry: wrong codes over several fresh codes are capped', async () => {
    const email = uniqueEmail('emlcode')
    await seed(server.url, email)
    const statuses: number[] = []
    for (let round = 0; round < 2; round++) {
      await start(server.url, email, uniqueIp())
      const { code } = await lastMessage(server.url, email, round + 1)
      const wrong = String((Number(code) + 1) % 100_000_000).padStart(8, '0')
      for (let i = 0; i < 5; i++) statuses.push((await verify(server.url, { email, code: wrong }, uniqueIp())).status)
    }
    // 8 entries per account per window: the 9th and 10th are refused before any code is checked.
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 400, 400, 429, 429])
  })
})

describe('[EML-3] loosely matching findUser, and sign-up', () => {
  const loose = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_LOOSE_COLLATION: '1', NUXT_AEGIS_EMAIL_SIGN_UP: 'true' })

  it('a look-alike address is treated as unknown: no mail to anyone, no sign-up, the account\'s code does not work for it', async () => {
    const ip = uniqueIp()
    const tag = uniqueEmail('victim').split('@')[0]
    const victim = `${tag}@example.com`
    const lookalike = `${tag}@exámple.com`
    await seed(loose.url, victim)
    const a = await start(loose.url, lookalike, ip)
    const b = await start(loose.url, uniqueEmail('nobody'), ip)
    expect([a.status, b.status]).toEqual([202, 202])
    expect(await a.text()).toBe(await b.text())
    await settle()
    expect(await mails(loose.url, victim)).toEqual([])
    expect(await mails(loose.url, lookalike)).toEqual([])

    await start(loose.url, victim, ip)
    const mail = await lastMessage(loose.url, victim)
    expect(mail.email).toBe(victim)
    expect((await verify(loose.url, { email: lookalike, code: mail.code }, ip)).status).toBe(400)
    const state = await (await fetch(new URL(`/api/test/password/account?email=${encodeURIComponent(lookalike)}`, loose.url))).json()
    expect(state.account).toBeNull()
    // The victim's own code still works for the victim.
    const jar = new CookieJar()
    const ok = await verify(loose.url, { email: victim, code: mail.code }, ip, jar)
    expect(ok.status).toBe(200)
    expect(decodeJwt((await ok.json()).token)).toMatchObject({ email: victim })
  })

  it('a case variant of the address is the same address: the code goes to the stored spelling', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('case')
    await seed(loose.url, email)
    await start(loose.url, email.toUpperCase(), ip)
    const mail = await lastMessage(loose.url, email)
    expect(mail.email).toBe(email)
    expect((await verify(loose.url, { email: ` ${email.toUpperCase()} `, code: mail.code }, ip)).status).toBe(200)
  })

  it('with signUp a new address gets a code; confirming it creates the account through createUser', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('signup')
    expect((await start(loose.url, email, ip)).status).toBe(202)
    const mail = await lastMessage(loose.url, email)
    expect(mail).toMatchObject({ email, purpose: 'email', signUp: true })
    const before = await (await fetch(new URL(`/api/test/password/account?email=${encodeURIComponent(email)}`, loose.url))).json()
    expect(before.account).toBeNull()
    const jar = new CookieJar()
    const created = await verify(loose.url, { token: mail.token }, ip, jar)
    expect(created.status).toBe(200)
    const after = await (await fetch(new URL(`/api/test/password/account?email=${encodeURIComponent(email)}`, loose.url))).json()
    expect(after.account).toMatchObject({ id: expect.any(String), emailVerified: true })
    expect(decodeJwt((await created.json()).token)).toMatchObject({ sub: after.account.id, email, email_verified: true, amr: ['otp'] })
  })
})
