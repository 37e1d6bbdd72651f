/**
 * Without defineAccounts, the built-in password and email-code providers of one stored account
 * are one person: both take `sub` from the account id, and their sessions are ended together.
 * A password reset (the owner taking the account back) must end the sessions an attacker opened
 * with an emailed code too, and "logout everywhere" from either ends both.
 */
import { describe, expect, it } from 'vitest'
import { CookieJar, decodeJwt, postWithCookie, sameOrigin, send } from '../support/http'
import type { TokenBody } from '../support/http'
import { lastMessage, outbox, passwordLogin, postJson, registerVerified, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })

async function emailLogin(email: string, ip: string): Promise<{ jar: CookieJar, token: string }> {
  const before = (await outbox(server.url, email)).length
  expect((await postJson(server.url, '/auth/email/start', { email }, { ip })).status).toBe(202)
  const mail = await lastMessage(server.url, email, before + 1)
  const jar = new CookieJar()
  const response = await postJson(server.url, '/auth/email/verify', { email, code: mail.code }, { ip, jar })
  expect(response.status).toBe(200)
  return { jar, token: (await response.json() as TokenBody).token }
}

const refresh = (jar: CookieJar, ip: string) => postWithCookie(server.url, '/auth/refresh', jar, { ...sameOrigin(server.url), 'x-forwarded-for': ip })

describe('[SES-17] password and email-code sessions of one account are one person', () => {
  it('a password reset ends the email-code sessions of the account too', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('persession')
    await registerVerified(server.url, email, 'per-session-1', ip)
    const viaPassword = await passwordLogin(server.url, email, 'per-session-1', ip)
    const viaEmail = await emailLogin(email, ip)
    // One account: the same sub, two providers.
    expect(decodeJwt(viaEmail.token)).toMatchObject({ sub: decodeJwt(viaPassword.token).sub, provider: 'email' })

    const before = (await outbox(server.url, email)).length
    expect((await postJson(server.url, '/auth/password/reset', { email }, { ip })).status).toBe(202)
    const mail = await lastMessage(server.url, email, before + 1)
    expect(mail.purpose).toBe('reset')
    const confirmed = await postJson(server.url, '/auth/password/reset/confirm', { token: mail.token, password: 'per-session-2' }, { ip })
    expect(confirmed.status).toBe(200)
    expect((await refresh(viaPassword.jar, ip)).status).toBe(401)
    expect((await refresh(viaEmail.jar, ip)).status).toBe(401)
  })

  it('logout everywhere from an email-code session ends the password sessions of the account', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('perlogout')
    await registerVerified(server.url, email, 'per-logout-1', ip)
    const viaPassword = await passwordLogin(server.url, email, 'per-logout-1', ip)
    const viaEmail = await emailLogin(email, ip)
    // "Your devices" of either login shows both.
    const listed = await (await send(new URL('/auth/sessions', server.url), { headers: { authorization: `Bearer ${viaEmail.token}` } })).json() as { sessions: Array<{ provider: string }> }
    expect(listed.sessions.map(s => s.provider).sort()).toEqual(['email', 'password'])
    const out = await postJson(server.url, '/auth/logout', { everywhere: true }, { ip, jar: viaEmail.jar })
    expect(out.status).toBe(204)
    expect((await refresh(viaPassword.jar, ip)).status).toBe(401)
  })

  it('another account\'s sessions are untouched', async () => {
    const ip = uniqueIp()
    const first = uniqueEmail('perfirst')
    const second = uniqueEmail('persecond')
    await registerVerified(server.url, first, 'per-first-1', ip)
    await registerVerified(server.url, second, 'per-second-1', ip)
    const other = await emailLogin(second, ip)
    const mine = await emailLogin(first, ip)
    expect((await postJson(server.url, '/auth/logout', { everywhere: true }, { ip, jar: mine.jar })).status).toBe(204)
    expect((await refresh(other.jar, ip)).status).toBe(200)
  })
})
