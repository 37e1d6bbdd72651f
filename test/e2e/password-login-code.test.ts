import { describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, setCookie } from '../support/http'
import { accountState, lastMessage, postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

// loginCode 'always': every login is password + emailed code.
const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', NUXT_AEGIS_PASSWORD_LOGIN_CODE: 'always' })

describe('[PWD-9] loginCode: always', () => {
  it('the right password gets 202 and an emailed login code; the code logs in once', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('always')
    await postJson(server.url, '/auth/password/register', { email, password: 'always-pass-1' }, { ip })
    expect((await lastMessage(server.url, email)).purpose).toBe('verify')

    const step1 = await postJson(server.url, '/auth/password/login', { email, password: 'always-pass-1' }, { ip })
    expect(step1.status).toBe(202)
    expect(await step1.json()).toEqual({ status: 'code_required' })
    expect(setCookie(step1, REFRESH_COOKIE)).toBeUndefined()
    const mail = await lastMessage(server.url, email, 2)
    expect(mail.purpose).toBe('login')
    expect(mail.url).toBeUndefined()

    // The verification code of the registration is not a login code.
    const verifyCode = (await lastMessage(server.url, email, 1)).code
    if (verifyCode !== mail.code) expect((await postJson(server.url, '/auth/password/login/code', { email, code: verifyCode }, { ip })).status).toBe(400)

    const jar = new CookieJar()
    const step2 = await postJson(server.url, '/auth/password/login/code', { email, code: mail.code }, { ip, jar })
    expect(step2.status).toBe(200)
    const body = await step2.json()
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 600 })
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    // The code proved the address.
    expect(decodeJwt(body.token)).toMatchObject({ provider: 'password', email, email_verified: true, amr: ['pwd', 'otp'] })
    expect((await accountState(server.url, email)).account!.emailVerified).toBe(true)
    const replay = await postJson(server.url, '/auth/password/login/code', { email, code: mail.code }, { ip })
    expect(replay.status).toBe(400)
    expect((await replay.json()).error).toBe('invalid_verification_code')
  })

  it('a wrong password sends no code, and a code is bound to its email', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('always2')
    const other = uniqueEmail('always3')
    await postJson(server.url, '/auth/password/register', { email, password: 'always-pass-2' }, { ip })
    await postJson(server.url, '/auth/password/register', { email: other, password: 'always-pass-3' }, { ip })
    await lastMessage(server.url, email)
    expect((await postJson(server.url, '/auth/password/login', { email, password: 'wrong-pass-9' }, { ip })).status).toBe(401)
    expect((await postJson(server.url, '/auth/password/login', { email: other, password: 'always-pass-3' }, { ip })).status).toBe(202)
    const otherCode = (await lastMessage(server.url, other, 2)).code
    // Only the registration mail went to `email`: the wrong password triggered nothing.
    await new Promise(resolve => setTimeout(resolve, 200))
    const mails = await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(email)}`, server.url))).json() as unknown[]
    expect(mails).toHaveLength(1)
    expect((await postJson(server.url, '/auth/password/login/code', { email, code: otherCode }, { ip })).status).toBe(400)
  })
})

describe('[PWD-9] loginCode: off', () => {
  const off = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', NUXT_AEGIS_PASSWORD_LOGIN_CODE: 'off' })

  it('registration sends nothing and the password logs in at once; resend + verify confirm the address later', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('off')
    expect((await postJson(off.url, '/auth/password/register', { email, password: 'off-pass-1' }, { ip })).status).toBe(202)
    const jar = new CookieJar()
    const login = await postJson(off.url, '/auth/password/login', { email, password: 'off-pass-1' }, { ip, jar })
    expect(login.status).toBe(200)
    expect(decodeJwt((await login.json()).token)).toMatchObject({ provider: 'password', email, email_verified: false })
    const mails = await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(email)}`, off.url))).json() as unknown[]
    expect(mails).toEqual([])

    const ghost = uniqueEmail('offghost')
    const resend = await postJson(off.url, '/auth/password/verify/resend', { email }, { ip })
    const resendGhost = await postJson(off.url, '/auth/password/verify/resend', { email: ghost }, { ip })
    expect([resend.status, resendGhost.status]).toEqual([202, 202])
    expect(await resend.text()).toBe(await resendGhost.text())
    const { code, purpose } = await lastMessage(off.url, email)
    expect(purpose).toBe('verify')
    expect((await postJson(off.url, '/auth/password/verify', { email, code, password: 'off-pass-1' }, { ip })).status).toBe(200)
    const again = await postJson(off.url, '/auth/password/login', { email, password: 'off-pass-1' }, { ip })
    expect(decodeJwt((await again.json()).token)).toMatchObject({ email_verified: true })
    // A verified account gets no more verification codes.
    await postJson(off.url, '/auth/password/verify/resend', { email }, { ip })
    await new Promise(resolve => setTimeout(resolve, 200))
    const all = await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(email)}`, off.url))).json() as unknown[]
    expect(all).toHaveLength(1)
    expect(await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(ghost)}`, off.url))).json()).toEqual([])
  })
})
