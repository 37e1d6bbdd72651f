/**
 * The user's own session list: GET /auth/sessions, DELETE /auth/sessions/:id,
 * POST /auth/sessions/revoke-others (bearer-authenticated and same-origin).
 */
import { describe, expect, inject, it } from 'vitest'
import { rewriteFamily } from '../support/storage'
import {
  CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, isDeletion, login, postWithCookie, redeem, sameOrigin, send, setCookie,
} from '../support/http'
import type { TokenBody } from '../support/http'

const baseUrl = inject('baseUrl')
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

interface Listed { id: string, provider: string, createdAt: number, refreshedAt: number, expiresAt: number, device: string | null, current: boolean }
interface Device { jar: CookieJar, token: string, refreshToken: string }

/** A mock login from a browser with this User-Agent (the label is taken where the refresh cookie is set). */
async function device(persona: string, userAgent = FIREFOX): Promise<Device> {
  const { jar, code } = await login(baseUrl, persona)
  const response = await redeem(baseUrl, code, jar, { ...sameOrigin(baseUrl), 'user-agent': userAgent })
  expect(response.status).toBe(200)
  const body = await response.json() as TokenBody
  return { jar, token: body.token, refreshToken: jar.get(REFRESH_COOKIE)! }
}

const headers = (token: string, extra: Record<string, string> = sameOrigin(baseUrl)) => ({ ...extra, authorization: `Bearer ${token}` })

async function list(token: string, extra?: Record<string, string>): Promise<Response> {
  return send(new URL('/auth/sessions', baseUrl), { headers: headers(token, extra) })
}
async function listed(token: string): Promise<Listed[]> {
  const response = await list(token)
  expect(response.status).toBe(200)
  return (await response.json() as { sessions: Listed[] }).sessions
}
const end = (token: string, id: string, extra?: Record<string, string>, jar?: CookieJar) =>
  send(new URL(`/auth/sessions/${id}`, baseUrl), { method: 'DELETE', headers: headers(token, extra), jar })
const endOthers = (token: string, extra?: Record<string, string>) =>
  send(new URL('/auth/sessions/revoke-others', baseUrl), { method: 'POST', headers: headers(token, extra) })
const refresh = (jar: CookieJar, userAgent?: string) =>
  postWithCookie(baseUrl, '/auth/refresh', jar, { ...sameOrigin(baseUrl), ...(userAgent ? { 'user-agent': userAgent } : {}) })

describe('[DEV-2] GET /auth/sessions lists the caller\'s live sessions', () => {
  it('shows id, created, last refreshed, device label, provider and which one is this one; no token, no raw User-Agent', async () => {
    const laptop = await device('bob', FIREFOX)
    const phone = await device('bob', IPHONE)
    const response = await list(phone.token)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const sessions = (await response.json() as { sessions: Listed[] }).sessions
    const current = sessions.filter(s => s.current)
    expect(current).toHaveLength(1)
    expect(current[0]).toEqual({
      id: expect.stringMatching(/^[\w-]{12}$/), provider: 'mock', createdAt: expect.any(Number), refreshedAt: current[0]!.createdAt,
      expiresAt: expect.any(Number), device: 'Safari on iOS', current: true,
    })
    expect(sessions.some(s => !s.current && s.device === 'Firefox on Linux')).toBe(true)
    const text = JSON.stringify(sessions)
    for (const secret of [laptop.refreshToken, phone.refreshToken]) for (const part of secret.split('.')) expect(text).not.toContain(part)
    expect(text).not.toContain('Mozilla')
  })

  it('a refresh updates the last-refreshed time and the device label', async () => {
    const laptop = await device('bob', FIREFOX)
    const [before] = (await listed(laptop.token)).filter(s => s.current)
    const response = await refresh(laptop.jar, IPHONE)
    expect(response.status).toBe(200)
    const token = (await response.json() as TokenBody).token
    const [after] = (await listed(token)).filter(s => s.current)
    expect(after!.id).toBe(before!.id)
    expect(after!.refreshedAt).toBeGreaterThanOrEqual(before!.createdAt)
    expect(after!.device).toBe('Safari on iOS')
  })

  it('[DEV-3] a session stored before the new fields still lists and refreshes', async () => {
    const old = await device('bob', FIREFOX)
    rewriteFamily(old.refreshToken, ({ device: _device, refreshedAt: _refreshed, ...rest }) => rest)
    const [mine] = (await listed(old.token)).filter(s => s.current)
    expect(mine).toMatchObject({ device: null, refreshedAt: mine!.createdAt })
    const response = await refresh(old.jar, IPHONE)
    expect(response.status).toBe(200)
    const [after] = (await listed((await response.json() as TokenBody).token)).filter(s => s.current)
    expect(after).toMatchObject({ id: mine!.id, device: 'Safari on iOS' })
  })

  it('needs a valid access token of a live session (401), and a same-origin request (403)', async () => {
    const bob = await device('bob')
    const anonymous = await send(new URL('/auth/sessions', baseUrl), { headers: sameOrigin(baseUrl) })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    expect((await list(`${bob.token}x`)).status).toBe(401)
    const crossSite = await list(bob.token, { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    expect((await crossSite.json() as { error: string }).error).toBe('cross_site_request')
    // The access token outlives its session by a few minutes: it no longer reads the list.
    expect((await postWithCookie(baseUrl, '/auth/logout', bob.jar)).status).toBe(204)
    expect((await list(bob.token)).status).toBe(401)
  })

  it('answers 405 for other methods', async () => {
    const bob = await device('bob')
    const response = await send(new URL('/auth/sessions', baseUrl), { method: 'POST', headers: headers(bob.token) })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET')
    const get = await send(new URL('/auth/sessions/0123456789ab', baseUrl), { headers: headers(bob.token) })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('DELETE')
  })
})

describe('[DEV-4] DELETE /auth/sessions/:id ends one of the caller\'s sessions', () => {
  it('ends another device\'s session: its refresh token stops at once, this one goes on', async () => {
    const laptop = await device('bob', FIREFOX)
    const phone = await device('bob', IPHONE)
    const laptopId = (await listed(laptop.token)).find(s => s.current)!.id
    expect((await listed(phone.token)).find(s => s.id === laptopId)).toMatchObject({ current: false, device: 'Firefox on Linux' })
    const response = await end(phone.token, laptopId)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ current: false })
    expect((await refresh(laptop.jar)).status).toBe(401)
    expect((await refresh(phone.jar)).status).toBe(200)
    expect((await listed(phone.token).catch(() => [])).some(s => s.id === laptopId)).toBe(false)
  })

  it('ending the current session clears the refresh cookie and fires the logout hook', async () => {
    const laptop = await device('bob')
    const id = (await listed(laptop.token)).find(s => s.current)!.id
    const response = await end(laptop.token, id, undefined, laptop.jar)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ current: true })
    expect(isDeletion(setCookie(response, REFRESH_COOKIE)!)).toBe(true)
    expect((await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:logout').at(-1)?.data).toMatchObject({ sub: 'mock-bob', session: id })
    const stale = new CookieJar()
    stale.set(REFRESH_COOKIE, laptop.refreshToken)
    expect((await refresh(stale)).status).toBe(401)
  })

  it('another user\'s session id ends nothing: 404, the same as an unknown id', async () => {
    const alice = await device('alice')
    const bob = await device('bob')
    const aliceId = (await listed(alice.token)).find(s => s.current)!.id
    for (const id of [aliceId, '0123456789ab', 'not-an-id']) {
      const response = await end(bob.token, id)
      expect(response.status).toBe(404)
      expect((await response.json() as { error: string }).error).toBe('not_found')
    }
    expect((await refresh(alice.jar)).status).toBe(200)
    expect((await listed(bob.token)).some(s => s.id === aliceId)).toBe(false)
  })

  it('a cross-site request ends nothing (403)', async () => {
    const laptop = await device('bob')
    const phone = await device('bob')
    const laptopId = (await listed(laptop.token)).find(s => s.current)!.id
    const response = await end(phone.token, laptopId, { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' })
    expect(response.status).toBe(403)
    expect((await refresh(laptop.jar)).status).toBe(200)
  })

  it('without an access token nothing ends (401)', async () => {
    const laptop = await device('bob')
    const laptopId = (await listed(laptop.token)).find(s => s.current)!.id
    const response = await send(new URL(`/auth/sessions/${laptopId}`, baseUrl), { method: 'DELETE', headers: sameOrigin(baseUrl), jar: laptop.jar })
    expect(response.status).toBe(401)
    expect((await refresh(laptop.jar)).status).toBe(200)
  })
})

describe('[DEV-5] POST /auth/sessions/revoke-others ends all but the current session', () => {
  it('ends the user\'s other sessions, keeps this one and other users\' sessions', async () => {
    const laptop = await device('bob')
    const tablet = await device('bob')
    const phone = await device('bob')
    const alice = await device('alice')
    const response = await endOthers(phone.token)
    expect(response.status).toBe(200)
    expect((await response.json() as { revoked: number }).revoked).toBeGreaterThanOrEqual(2)
    expect((await refresh(laptop.jar)).status).toBe(401)
    expect((await refresh(tablet.jar)).status).toBe(401)
    const kept = await refresh(phone.jar)
    expect(kept.status).toBe(200)
    expect((await refresh(alice.jar)).status).toBe(200)
    const left = await listed((await kept.json() as TokenBody).token)
    expect(left).toEqual([expect.objectContaining({ current: true })])
  })

  it('cross-site or without a token it ends nothing', async () => {
    const laptop = await device('bob')
    const phone = await device('bob')
    expect((await endOthers(phone.token, { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    const anonymous = await send(new URL('/auth/sessions/revoke-others', baseUrl), { method: 'POST', headers: sameOrigin(baseUrl), jar: phone.jar })
    expect(anonymous.status).toBe(401)
    expect((await refresh(laptop.jar)).status).toBe(200)
    const wrongMethod = await send(new URL('/auth/sessions/revoke-others', baseUrl), { method: 'GET', headers: headers(phone.token) })
    expect(wrongMethod.status).toBe(405)
  })

  it('the sid of the access token names the current session, never a claim the caller chose', async () => {
    const phone = await device('bob')
    expect(typeof decodeJwt(phone.token).sid).toBe('string')
    // A forged token (bad signature) naming another session is no token.
    const [header, payload] = phone.token.split('.')
    const forged = `${header}.${payload}.${'A'.repeat(43)}`
    expect((await endOthers(forged)).status).toBe(401)
  })
})
