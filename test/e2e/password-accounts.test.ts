/**
 * The app's findUser may match loosely: MySQL's and MariaDB's default collations are case- and
 * accent-insensitive, so `victim@exámple.com` finds `victim@example.com`. These servers run the
 * fixture's store with such a collation (AEGIS_TEST_LOOSE_COLLATION=1); codes and passwords
 * must still only ever reach the account's own, stored address.
 */
import { describe, expect, it } from 'vitest'
import { accountState, lastMessage, outbox, passwordLogin, postJson, registerVerified, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

const LOOSE = { NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_LOOSE_COLLATION: '1' }
const server = usePasswordServer(LOOSE)
const always = usePasswordServer({ ...LOOSE, NUXT_AEGIS_PASSWORD_LOGIN_CODE: 'always' })

/** `name-1234@example.com` → `name-1234@exámple.com`: the same account to a loose collation, another mailbox in fact. */
const lookalike = (email: string) => email.replace('@example.com', '@exámple.com')
const settle = () => new Promise(resolve => setTimeout(resolve, 300))

describe('[PWD-11] codes go only to the stored address of the account (loose findUser)', () => {
  it('reset: a look-alike address gets the same answer, no code, and cannot set the victim\'s password', async () => {
    const ip = uniqueIp()
    const victim = uniqueEmail('victim')
    await registerVerified(server.url, victim, 'victim-pass-1', ip)
    const before = (await outbox(server.url, victim)).length
    const attacker = lookalike(victim)

    const asked = await postJson(server.url, '/auth/password/reset', { email: attacker }, { ip })
    const unknown = await postJson(server.url, '/auth/password/reset', { email: uniqueEmail('ghost') }, { ip })
    expect(asked.status).toBe(202)
    expect(await asked.text()).toBe(await unknown.text())
    await settle()
    expect(await outbox(server.url, attacker)).toEqual([])
    expect(await outbox(server.url, victim)).toHaveLength(before)

    // The victim's own request is answered, to the stored address.
    await postJson(server.url, '/auth/password/reset', { email: victim }, { ip })
    const mail = await lastMessage(server.url, victim, before + 1)
    expect(mail).toMatchObject({ email: victim, purpose: 'reset' })
    // Confirming under the look-alike spelling with the victim's real code fails: it is not that account.
    const confirm = await postJson(server.url, '/auth/password/reset/confirm', { email: attacker, code: mail.code, password: 'attacker-pass-1' }, { ip })
    expect(confirm.status).toBe(400)
    expect((await passwordLogin(server.url, victim, 'victim-pass-1', ip)).token).toBeTruthy()
    expect((await accountState(server.url, victim)).persisted.filter(change => change.reason === 'reset')).toEqual([])
  })

  it('login: a look-alike address with the right password is an unknown account (401)', async () => {
    const ip = uniqueIp()
    const victim = uniqueEmail('victim2')
    await registerVerified(server.url, victim, 'victim-pass-2', ip)
    const response = await postJson(server.url, '/auth/password/login', { email: lookalike(victim), password: 'victim-pass-2' }, { ip })
    expect(response.status).toBe(401)
    expect((await response.json()).error).toBe('invalid_credentials')
  })

  it('verification: resend and register under a look-alike address send nothing and create nothing', async () => {
    const ip = uniqueIp()
    const victim = uniqueEmail('victim3')
    await postJson(server.url, '/auth/password/register', { email: victim, password: 'victim-pass-3' }, { ip })
    await lastMessage(server.url, victim, 1)
    const attacker = lookalike(victim)
    expect((await postJson(server.url, '/auth/password/verify/resend', { email: attacker }, { ip })).status).toBe(202)
    expect((await postJson(server.url, '/auth/password/register', { email: attacker, password: 'attacker-pass-3' }, { ip })).status).toBe(202)
    await settle()
    expect(await outbox(server.url, attacker)).toEqual([])
    expect(await outbox(server.url, victim)).toHaveLength(1)
    const { persisted } = await accountState(server.url, victim)
    expect(persisted.map(change => change.action)).toEqual(['create'])
  })

  it('the message goes to the address as stored, not to the spelling typed', async () => {
    const ip = uniqueIp()
    const stored = uniqueEmail('Mixed.Case').replace('@example.com', '@Example.COM')
    await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: stored, password: 'mixed-pass-1' }) })
    expect((await postJson(server.url, '/auth/password/reset', { email: stored.toLowerCase() }, { ip })).status).toBe(202)
    expect(await lastMessage(server.url, stored)).toMatchObject({ email: stored, purpose: 'reset' })
  })
})

describe('[PWD-11] loginCode always: the second factor cannot be moved to a look-alike address', () => {
  it('the right password under a look-alike address sends no login code anywhere', async () => {
    const ip = uniqueIp()
    const victim = uniqueEmail('victim4')
    await postJson(always.url, '/auth/password/register', { email: victim, password: 'victim-pass-4' }, { ip })
    await lastMessage(always.url, victim, 1)
    const attacker = lookalike(victim)
    const step1 = await postJson(always.url, '/auth/password/login', { email: attacker, password: 'victim-pass-4' }, { ip })
    expect(step1.status).toBe(401)
    await settle()
    expect(await outbox(always.url, attacker)).toEqual([])
    expect(await outbox(always.url, victim)).toHaveLength(1)
    // The real address works as before, and its code is not accepted under the look-alike.
    expect((await postJson(always.url, '/auth/password/login', { email: victim, password: 'victim-pass-4' }, { ip })).status).toBe(202)
    const { code } = await lastMessage(always.url, victim, 2)
    expect((await postJson(always.url, '/auth/password/login/code', { email: attacker, code }, { ip })).status).toBe(400)
    expect((await postJson(always.url, '/auth/password/login/code', { email: victim, code }, { ip })).status).toBe(200)
  })
})

describe('[PWD-17] pre-account hijacking: a password set before verification never becomes the owner\'s', () => {
  it('the owner\'s registration replaces the squatter\'s password, and only the owner\'s code verifies', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('squat')
    // The attacker registers the victim's address first (and never sees its mail).
    await postJson(server.url, '/auth/password/register', { email, password: 'squatter-pass-1' }, { ip })
    await lastMessage(server.url, email, 1)
    // The owner registers; the mail of this registration is the one they act on.
    await postJson(server.url, '/auth/password/register', { email, password: 'owner-pass-1' }, { ip })
    const mail = await lastMessage(server.url, email, 2)
    expect((await postJson(server.url, '/auth/password/verify', { email, code: mail.code, password: 'owner-pass-1' }, { ip })).status).toBe(200)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'squatter-pass-1' }, { ip })).status).toBe(401)
    expect((await passwordLogin(server.url, email, 'owner-pass-1', ip)).token).toBeTruthy()
  })

  it('a code sent before a later registration no longer verifies (it would activate the later password)', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('squat2')
    await postJson(server.url, '/auth/password/register', { email, password: 'owner-pass-2' }, { ip })
    const ownerMail = await lastMessage(server.url, email, 1)
    // The squatter registers again after the owner.
    await postJson(server.url, '/auth/password/register', { email, password: 'squatter-pass-2' }, { ip })
    await lastMessage(server.url, email, 2)
    const stale = await postJson(server.url, '/auth/password/verify', { token: ownerMail.token, password: 'owner-pass-2' }, { ip })
    expect(stale.status).toBe(400)
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(false)
  })

  it('a pending code does not activate a password the app stored after it was sent', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('squat4')
    await postJson(server.url, '/auth/password/register', { email, password: 'first-pass-4' }, { ip })
    const mail = await lastMessage(server.url, email, 1)
    await fetch(new URL('/api/test/password/set-password', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'other-pass-4' }) })
    // Even with the password now stored: the code was sent for another one.
    expect((await postJson(server.url, '/auth/password/verify', { email, code: mail.code, password: 'other-pass-4' }, { ip })).status).toBe(400)
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(false)
  })

  it('the code a login sends after rehashing the password is bound to the new hash', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('rehash-unverified')
    await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'rehash-pass-9', cost: 2048, verified: false }) })
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'rehash-pass-9' }, { ip })).status).toBe(403)
    const mail = await lastMessage(server.url, email, 1)
    expect((await accountState(server.url, email)).persisted.at(-1)).toMatchObject({ reason: 'rehash' })
    expect((await postJson(server.url, '/auth/password/verify', { email, code: mail.code, password: 'rehash-pass-9' }, { ip })).status).toBe(200)
  })

  it('a link someone else\'s registration sent cannot verify without that password (unsolicited mail)', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('unsolicited')
    // The squatter registers the address; the owner receives a mail they never asked for and clicks it.
    await postJson(server.url, '/auth/password/register', { email, password: 'squatter-pass-5' }, { ip })
    const mail = await lastMessage(server.url, email, 1)
    const clicked = await postJson(server.url, '/auth/password/verify', { token: mail.token }, { ip })
    expect(clicked.status).toBe(400)
    expect((await clicked.json()).error).toBe('invalid_request')
    // Any password but the squatter's fails, and spends the link.
    expect((await postJson(server.url, '/auth/password/verify', { token: mail.token, password: 'owner-guess-5' }, { ip })).status).toBe(400)
    expect((await postJson(server.url, '/auth/password/verify', { token: mail.token, password: 'squatter-pass-5' }, { ip })).status).toBe(400)
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(false)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'squatter-pass-5' }, { ip })).status).toBe(403)
  })

  it('the squatter registering after the owner: the owner\'s newest code does not activate the squatter\'s password', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('squat6')
    await postJson(server.url, '/auth/password/register', { email, password: 'owner-pass-6' }, { ip })
    await lastMessage(server.url, email, 1)
    await postJson(server.url, '/auth/password/register', { email, password: 'squatter-pass-6' }, { ip })
    const newest = await lastMessage(server.url, email, 2)
    expect((await postJson(server.url, '/auth/password/verify', { email, code: newest.code, password: 'owner-pass-6' }, { ip })).status).toBe(400)
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(false)
  })

  it('password guesses through /verify draw on the login budget of the account', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('verifyguess')
    await registerVerified(server.url, email, 'guess-pass-1', ip)
    // The fixture allows 5 failed logins per account: /verify guesses count there too.
    for (let i = 0; i < 5; i++) expect((await postJson(server.url, '/auth/password/verify', { email, code: '000000', password: `guess-${i}-wrong` }, { ip: uniqueIp() })).status).toBe(400)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'guess-pass-1' }, { ip: uniqueIp() })).status).toBe(429)
  })

  it('spellings of an unknown address that a loose collation folds together share one budget', async () => {
    const base = uniqueEmail('foldghost')
    const spellings = [base, base.replace('-', '\u00AD-'), base.replace('@', '\u200B@'), base.replace('g', 'g\u00AD'), base.replace('o', 'o\u00AD')]
    const statuses = []
    for (const email of spellings) statuses.push((await postJson(server.url, '/auth/password/reset', { email }, { ip: uniqueIp() })).status)
    // The fixture's send limit is 4 per address.
    expect(statuses).toEqual([202, 202, 202, 202, 429])
  })

  it('a mistyped password does not spend the code', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('typo')
    await postJson(server.url, '/auth/password/register', { email, password: 'typo-pass-1' }, { ip })
    const { code } = await lastMessage(server.url, email, 1)
    expect((await postJson(server.url, '/auth/password/verify', { email, code, password: 'typo-pass-2' }, { ip })).status).toBe(400)
    expect((await postJson(server.url, '/auth/password/verify', { email, code, password: 'typo-pass-1' }, { ip })).status).toBe(200)
  })

  it('a login that sends verification codes counts against the send limit', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('mailbomb')
    await postJson(server.url, '/auth/password/register', { email, password: 'squatter-pass-7' }, { ip })
    for (let i = 0; i < 8; i++) expect((await postJson(server.url, '/auth/password/login', { email, password: 'squatter-pass-7' }, { ip })).status).toBe(403)
    await settle()
    // One mail for the registration, then at most the fixture's send limit (4) for the logins.
    expect((await outbox(server.url, email)).length).toBeLessThanOrEqual(5)
  })

  it('a verify request that carries a password activates only that password', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('squat3')
    await postJson(server.url, '/auth/password/register', { email, password: 'owner-pass-3' }, { ip })
    const mail = await lastMessage(server.url, email, 1)
    expect((await postJson(server.url, '/auth/password/verify', { email, code: mail.code, password: 'someone-else-3' }, { ip })).status).toBe(400)
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(false)
    await postJson(server.url, '/auth/password/verify/resend', { email }, { ip })
    const fresh = await lastMessage(server.url, email, 2)
    expect((await postJson(server.url, '/auth/password/verify', { email, code: fresh.code, password: 'owner-pass-3' }, { ip })).status).toBe(200)
  })
})

describe('[PWD-17] login codes are bound to the password of step one', () => {
  it('login codes count against the send limit: a known password cannot flood the mailbox', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('loginflood')
    await postJson(always.url, '/auth/password/register', { email, password: 'flood-pass-1' }, { ip })
    for (let i = 0; i < 8; i++) expect((await postJson(always.url, '/auth/password/login', { email, password: 'flood-pass-1' }, { ip })).status).toBe(202)
    await settle()
    // The registration's mail, then at most the fixture's send limit (4) of login codes.
    expect((await outbox(always.url, email)).length).toBeLessThanOrEqual(5)
  })

  it('a login code sent before another registration replaced the password neither signs in nor verifies', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('logincode')
    await postJson(always.url, '/auth/password/register', { email, password: 'first-pass-8' }, { ip })
    await lastMessage(always.url, email, 1)
    expect((await postJson(always.url, '/auth/password/login', { email, password: 'first-pass-8' }, { ip })).status).toBe(202)
    const { code } = await lastMessage(always.url, email, 2)
    await postJson(always.url, '/auth/password/register', { email, password: 'squatter-pass-8' }, { ip })
    await lastMessage(always.url, email, 3)
    expect((await postJson(always.url, '/auth/password/login/code', { email, code }, { ip })).status).toBe(400)
    expect((await accountState(always.url, email)).account!.emailVerified).toBe(false)
  })
})

describe('[PWD-12] reset codes', () => {
  it('are 10 letters and digits, accepted in lower case with a dash', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('longcode')
    await registerVerified(server.url, email, 'long-code-1', ip)
    await postJson(server.url, '/auth/password/reset', { email }, { ip })
    const { code } = await lastMessage(server.url, email, 2)
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{10}$/)
    const typed = `${code.slice(0, 5)}-${code.slice(5)}`.toLowerCase()
    expect((await postJson(server.url, '/auth/password/reset/confirm', { email, code: typed, password: 'long-code-2' }, { ip })).status).toBe(200)
  })
})

describe('[PWD-14] per-IP limits come first and group IPv6 by /64', () => {
  it('requests refused by the per-IP limit leave the account\'s own budget untouched', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('budget')
    await registerVerified(server.url, email, 'budget-pass-1', uniqueIp())
    // Exhaust the login limit of one IP (40 per 10 min in the fixture) on other addresses.
    for (let i = 0; i < 40; i++) await postJson(server.url, '/auth/password/login', { email: uniqueEmail('spray'), password: 'spray-pass-1' }, { ip })
    for (let i = 0; i < 5; i++) expect((await postJson(server.url, '/auth/password/login', { email, password: `wrong-${i}-pass` }, { ip })).status).toBe(429)
    // From elsewhere the account still has its full budget of 5 failures, then the right password works.
    for (let i = 0; i < 4; i++) expect((await postJson(server.url, '/auth/password/login', { email, password: `wrong-${i}-pass` }, { ip: uniqueIp() })).status).toBe(401)
    expect((await passwordLogin(server.url, email, 'budget-pass-1', uniqueIp())).token).toBeTruthy()
  })

  it('addresses of one IPv6 /64 share one per-IP counter', async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xFFFF).toString(16)}:7`
    const statuses: number[] = []
    for (let i = 0; i < 41; i++) statuses.push((await postJson(server.url, '/auth/password/login', { email: uniqueEmail('v6'), password: 'v6-pass-1' }, { ip: `${prefix}::${(i + 1).toString(16)}` })).status)
    expect(statuses.slice(0, 40).every(status => status === 401)).toBe(true)
    expect(statuses[40]).toBe(429)
  })
})

describe('[PWD-16] credentials limits count the field the app checks', () => {
  it('look-alike spellings of the username share its budget (a loose collation finds one user for all)', async () => {
    const spellings = ['víc', 'VIC', 'v\u00ADic', 'ｖic', ' vic']
    for (const [i, username] of spellings.entries()) {
      expect((await postJson(server.url, '/auth/credentials-username', { username, password: `guess-${i}` }, { ip: uniqueIp() })).status).toBe(401)
    }
    expect((await postJson(server.url, '/auth/credentials-username', { username: 'vic', password: 'vic-secret-pass' }, { ip: uniqueIp() })).status).toBe(429)
  })

  it('a random email added to each guess does not reset the username\'s budget', async () => {
    for (let i = 0; i < 5; i++) {
      const guess = await postJson(server.url, '/auth/credentials-username', { username: 'uma', email: uniqueEmail('noise'), password: `guess-${i}` }, { ip: uniqueIp() })
      expect(guess.status).toBe(401)
    }
    const blocked = await postJson(server.url, '/auth/credentials-username', { username: 'uma', email: uniqueEmail('noise'), password: 'uma-secret-pass' }, { ip: uniqueIp() })
    expect(blocked.status).toBe(429)
  })
})
