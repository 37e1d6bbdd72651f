import { describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, postWithCookie, setCookie } from '../support/http'
import { storedFiles } from '../support/storage'
import { accountState, lastMessage, outbox, passwordLogin, postJson, registerVerified, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

// Own server: X-Forwarded-For trusted (one proxy), so every test has its own client IP.
const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })
const refresh = (jar: CookieJar, ip: string) => postWithCookie(server.url, '/auth/refresh', jar, { 'origin': new URL(server.url).origin, 'sec-fetch-site': 'same-origin', 'x-forwarded-for': ip })

describe('[PWD-7] register → verify → login → refresh → change password', () => {
  it('walks the whole journey and ends the other sessions on a change', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('journey')
    const registered = await postJson(server.url, '/auth/password/register', { email: email.toUpperCase(), password: 'first-pass-1' }, { ip })
    expect(registered.status).toBe(202)
    expect(registered.headers.get('cache-control')).toBe('no-store')
    expect(await registered.json()).toEqual({ status: 'accepted' })
    const verifyMail = await lastMessage(server.url, email)
    expect(verifyMail).toMatchObject({ purpose: 'verify', code: expect.stringMatching(/^\d{6}$/), token: expect.stringMatching(/^[\w-]{43}\.[\w-]{22}\.[\w-]{43}$/) })
    expect(verifyMail.url).toBe(`${new URL(server.url).origin}/verify-email?token=${verifyMail.token}`)

    // Not verified yet: the right password gets 403 and a fresh code; nothing is issued.
    const early = await postJson(server.url, '/auth/password/login', { email, password: 'first-pass-1' }, { ip })
    expect(early.status).toBe(403)
    expect((await early.json()).error).toBe('email_not_verified')
    expect(setCookie(early, REFRESH_COOKIE)).toBeUndefined()
    const fresh = await lastMessage(server.url, email, 2)
    expect(fresh.purpose).toBe('verify')

    const verified = await postJson(server.url, '/auth/password/verify', { email, code: fresh.code, password: 'first-pass-1' }, { ip })
    expect(verified.status).toBe(200)
    expect(await verified.json()).toEqual({ status: 'verified' })
    expect((await accountState(server.url, email)).account?.emailVerified).toBe(true)

    const login = await postJson(server.url, '/auth/password/login', { email, password: 'first-pass-1' }, { ip, jar: new CookieJar() })
    expect(login.status).toBe(200)
    expect(login.headers.get('cache-control')).toBe('no-store')
    const body = await login.json()
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 600 })
    const cookie = setCookie(login, REFRESH_COOKIE)!
    expect(cookie.attributes).toMatchObject({ httponly: true, secure: true, path: '/' })
    const claims = decodeJwt(body.token)
    const { account } = await accountState(server.url, email)
    expect(claims).toMatchObject({ sub: account!.id, provider: 'password', email, email_verified: true, role: 'member', via: 'password', amr: ['pwd'] })

    // Two sessions: this one (A) and another device (B).
    const a = await passwordLogin(server.url, email, 'first-pass-1', ip)
    const b = await passwordLogin(server.url, email, 'first-pass-1', ip)
    const refreshed = await refresh(a.jar, ip)
    expect(refreshed.status).toBe(200)
    // The claims function runs again on refresh; how the login was made (amr) stays.
    expect(decodeJwt((await refreshed.json()).token)).toMatchObject({ sub: account!.id, via: 'password', amr: ['pwd'] })

    const change = await postJson(server.url, '/auth/password/change', { currentPassword: 'first-pass-1', newPassword: 'second-pass-2' }, {
      ip, jar: a.jar, headers: { authorization: `Bearer ${a.token}` },
    })
    expect(change.status).toBe(200)
    expect(await change.json()).toEqual({ status: 'changed', revoked: 2 })
    // B (and the first login) are gone; A, the session that asked, stays.
    expect((await refresh(b.jar, ip)).status).toBe(401)
    expect((await refresh(a.jar, ip)).status).toBe(200)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'first-pass-1' }, { ip })).status).toBe(401)
    expect((await passwordLogin(server.url, email, 'second-pass-2', ip)).token).toBeTruthy()
  })

  it('change needs the current password and a password login', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('change')
    await registerVerified(server.url, email, 'change-pass-1', ip)
    const s = await passwordLogin(server.url, email, 'change-pass-1', ip)
    const wrong = await postJson(server.url, '/auth/password/change', { currentPassword: 'nope-nope-1', newPassword: 'change-pass-2' }, { ip, jar: s.jar, headers: { authorization: `Bearer ${s.token}` } })
    expect(wrong.status).toBe(401)
    expect((await wrong.json()).error).toBe('invalid_credentials')
    const anonymous = await postJson(server.url, '/auth/password/change', { currentPassword: 'change-pass-1', newPassword: 'change-pass-2' }, { ip })
    expect(anonymous.status).toBe(401)
    const weak = await postJson(server.url, '/auth/password/change', { currentPassword: 'change-pass-1', newPassword: 'short' }, { ip, headers: { authorization: `Bearer ${s.token}` } })
    expect(weak.status).toBe(400)
    expect(await weak.json()).toEqual({ error: 'weak_password', message: 'The password must have at least 8 characters.' })
    // Still the old password: nothing changed.
    expect((await passwordLogin(server.url, email, 'change-pass-1', ip)).token).toBeTruthy()
  })
})

describe('[PWD-8] password reset', () => {
  it('sends a code and link only for a real account, answers the same either way, and ends every session', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('reset')
    await registerVerified(server.url, email, 'reset-pass-1', ip)
    const s1 = await passwordLogin(server.url, email, 'reset-pass-1', ip)
    const s2 = await passwordLogin(server.url, email, 'reset-pass-1', ip)
    const sentBefore = (await outbox(server.url, email)).length

    const known = await postJson(server.url, '/auth/password/reset', { email }, { ip })
    const unknownEmail = uniqueEmail('ghost')
    const unknown = await postJson(server.url, '/auth/password/reset', { email: unknownEmail }, { ip })
    expect([known.status, unknown.status]).toEqual([202, 202])
    expect(await known.text()).toBe(await unknown.text())
    const mail = await lastMessage(server.url, email, sentBefore + 1)
    expect(mail.purpose).toBe('reset')
    expect(mail.url).toBe(`${new URL(server.url).origin}/reset-password?token=${mail.token}`)
    expect(await outbox(server.url, unknownEmail)).toEqual([])

    // A link scanner only GETs: that confirms nothing.
    const scanned = await fetch(new URL(`/auth/password/reset/confirm?token=${mail.token}`, server.url))
    expect(scanned.status).toBe(405)
    // The reset code is bound to its purpose: it does not verify or log in.
    expect((await postJson(server.url, '/auth/password/verify', { token: mail.token, password: 'reset-pass-1' }, { ip })).status).toBe(400)

    const confirmed = await postJson(server.url, '/auth/password/reset/confirm', { token: mail.token, password: 'reset-pass-2' }, { ip })
    expect(confirmed.status).toBe(200)
    expect(await confirmed.json()).toEqual({ status: 'reset' })
    expect((await refresh(s1.jar, ip)).status).toBe(401)
    expect((await refresh(s2.jar, ip)).status).toBe(401)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'reset-pass-1' }, { ip })).status).toBe(401)
    expect((await passwordLogin(server.url, email, 'reset-pass-2', ip)).token).toBeTruthy()
    // Single use: the same link again fails.
    const again = await postJson(server.url, '/auth/password/reset/confirm', { token: mail.token, password: 'reset-pass-3' }, { ip })
    expect(again.status).toBe(400)
    expect((await again.json()).error).toBe('invalid_verification_code')
  })

  it('confirms with the typed code too, and refuses a weak password before spending the code', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('resetcode')
    await registerVerified(server.url, email, 'reset-code-1', ip)
    await postJson(server.url, '/auth/password/reset', { email }, { ip })
    const mail = await lastMessage(server.url, email, 2)
    const weak = await postJson(server.url, '/auth/password/reset/confirm', { email, code: mail.code, password: 'my-password123' }, { ip })
    expect(weak.status).toBe(400)
    expect(await weak.json()).toEqual({ error: 'weak_password', message: 'Choose a less common password.' })
    const ok = await postJson(server.url, '/auth/password/reset/confirm', { email, code: mail.code, password: 'reset-code-2' }, { ip })
    expect(ok.status).toBe(200)
    expect((await accountState(server.url, email)).persisted.at(-1)).toMatchObject({ action: 'password', reason: 'reset', emailVerified: true })
  })
})

describe('[PWD-2] no account enumeration', () => {
  it('login: an unknown email and a wrong password get the same answer', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('enum')
    await registerVerified(server.url, email, 'enum-pass-1', ip)
    const wrong = await postJson(server.url, '/auth/password/login', { email, password: 'wrong-pass-1' }, { ip })
    const unknown = await postJson(server.url, '/auth/password/login', { email: uniqueEmail('nobody'), password: 'wrong-pass-1' }, { ip })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await wrong.text()).toBe(await unknown.text())
  })

  it('register: an existing email gets the same answer and keeps its password', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('taken')
    await registerVerified(server.url, email, 'taken-pass-1', ip)
    const again = await postJson(server.url, '/auth/password/register', { email, password: 'attacker-pass-1' }, { ip })
    const fresh = await postJson(server.url, '/auth/password/register', { email: uniqueEmail('fresh'), password: 'attacker-pass-1' }, { ip })
    expect(again.status).toBe(202)
    expect(await again.text()).toBe(await fresh.text())
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'attacker-pass-1' }, { ip })).status).toBe(401)
    expect((await passwordLogin(server.url, email, 'taken-pass-1', ip)).token).toBeTruthy()
    // The registration's hash was computed but never stored over the account.
    expect((await accountState(server.url, email)).persisted.filter(change => change.action === 'create')).toHaveLength(1)
  })
})

describe('[PWD-5] no password or hash in sessions, tokens, hooks or logs', () => {
  it('keeps the password and its hash out of everything but onUserPersist', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('secret')
    const password = `leak-check-${Date.now()}`
    await registerVerified(server.url, email, password, ip)
    const s = await passwordLogin(server.url, email, password, ip)
    const state = await accountState(server.url, email)
    expect(state.persisted[0]).toMatchObject({ action: 'create', email, passwordHash: 'present', emailVerified: false })
    expect(JSON.stringify(state.persisted)).not.toContain(password)

    const everything = [
      JSON.stringify(decodeJwt(s.token)),
      ...storedFiles().map(file => file.text),
      JSON.stringify(await hookCalls(server.url)),
      server.output(),
    ].join('\n')
    expect(everything).not.toContain(password)
    expect(everything).not.toContain('$scrypt$')
    expect(everything).not.toMatch(/passwordHash/i)
    const success = (await hookCalls(server.url)).filter(call => call.name === 'credentials:success').map(call => JSON.parse(String(call.data.payload)))
    expect(success.some(p => p.user.sub === state.account!.id && p.user.hookSeen === true)).toBe(true)
  })

  it('stores a new hash with the current scrypt parameters after a login with an old one', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('rehash')
    await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'rehash-pass-1', cost: 2048 }) })
    expect((await accountState(server.url, email)).account!.hashParams).toBe('$scrypt$v=1$n=2048,r=8,p=1')
    await passwordLogin(server.url, email, 'rehash-pass-1', ip)
    const state = await accountState(server.url, email)
    expect(state.account!.hashParams).toBe('$scrypt$v=1$n=1024,r=8,p=1')
    expect(state.persisted.at(-1)).toMatchObject({ action: 'password', reason: 'rehash' })
    expect((await passwordLogin(server.url, email, 'rehash-pass-1', ip)).token).toBeTruthy()
  })
})
