import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { rewriteFamily, storedFamily, storedFiles, storedRecord } from '../support/storage'
import {
  CookieJar,
  LEGACY_REFRESH_COOKIE,
  REFRESH_COOKIE,
  decodeJwt,
  hookCalls,
  isDeletion,
  loginSession,
  postWithCookie,
  sameOrigin,
  send,
  setCookie,
  setCookies,
} from '../support/http'
import type { SetCookie, TokenBody } from '../support/http'

const baseUrl = inject('baseUrl')
const refresh = (jar: CookieJar, headers?: Record<string, string>) => postWithCookie(baseUrl, '/auth/refresh', jar, headers)
const logout = (jar: CookieJar, headers?: Record<string, string>) => postWithCookie(baseUrl, '/auth/logout', jar, headers)
const jarWith = (token: string) => {
  const jar = new CookieJar()
  jar.set(REFRESH_COOKIE, token)
  return jar
}
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url')

function expectSameAttributes(cookie: SetCookie) {
  expect(cookie.attributes.httponly).toBe(true)
  expect(cookie.attributes.secure).toBe(true)
  expect(String(cookie.attributes.samesite).toLowerCase()).toBe('lax')
  expect(cookie.attributes.path).toBe('/')
  expect(cookie.attributes.domain).toBeUndefined()
}

async function expectRefused(response: Response, status = 401, code = 'invalid_refresh_token') {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(await response.json()).toEqual({ error: code, message: expect.any(String) })
}

describe('POST /auth/refresh rotates the refresh token', () => {
  it('[REF-2] answers 200 with a new access token and a rotated cookie', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await refresh(session.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json() as TokenBody
    expect(Object.keys(body).sort()).toEqual(['expiresIn', 'token', 'tokenType'])
    expect(body.tokenType).toBe('Bearer')
    expect(body.expiresIn).toBe(600)
    expect(body.token).not.toBe(session.token)
    expect(decodeJwt(body.token)).toMatchObject({ sub: 'mock-alice', iss: 'nuxt-aegis', aud: 'aegis-tests' })

    const cookie = setCookie(response, REFRESH_COOKIE)!
    expect(cookie).toBeDefined()
    expectSameAttributes(cookie)
    expect(cookie.attributes['max-age']).toBe('604800')
    expect(cookie.value).toMatch(/^[\w-]{22}\.[\w-]{43}$/)
    expect(cookie.value).not.toBe(session.refreshToken)
    // Neither half of the token is reused.
    expect(cookie.value.split('.')[0]).not.toBe(session.refreshToken.split('.')[0])
    expect(cookie.value.split('.')[1]).not.toBe(session.refreshToken.split('.')[1])

    // The new token is accepted, by the API and for the next rotation.
    const whoami = await fetch(new URL('/api/protected/whoami', baseUrl), { headers: { authorization: `Bearer ${body.token}` } })
    expect(whoami.status).toBe(200)
    expect((await refresh(session.jar)).status).toBe(200)
  })

  it('[SES-1] a tab still holding the just-rotated cookie gets the same successor (reuse interval), no second live token', async () => {
    const session = await loginSession(baseUrl, 'alice')
    // A second tab still holding the old cookie races the first one, which already rotated it.
    const lateTab = session.jar.clone()
    expect((await refresh(session.jar)).status).toBe(200)
    const successor = session.jar.get(REFRESH_COOKIE)!
    expect(successor).not.toBe(session.refreshToken)
    const replay = await refresh(lateTab)
    expect(replay.status).toBe(200)
    expect(setCookie(replay, REFRESH_COOKIE)!.value).toBe(successor)
    expect(decodeJwt((await replay.json() as TokenBody).token).sub).toBe('mock-alice')
    // The successor is the one live token and goes on working.
    expect((await refresh(jarWith(successor))).status).toBe(200)
  })

  it('[SES-1] an older ancestor replayed revokes the family: 401 token_reused, cookie cleared, tokenReuse hook with fingerprints only', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const first = session.refreshToken
    expect((await refresh(session.jar)).status).toBe(200)
    expect((await refresh(session.jar)).status).toBe(200)
    const newest = session.jar.get(REFRESH_COOKIE)!
    const replay = await refresh(jarWith(first))
    expect(isDeletion(setCookie(replay, REFRESH_COOKIE)!)).toBe(true)
    await expectRefused(replay, 401, 'token_reused')
    const hook = (await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:tokenReuse').at(-1)
    expect(hook?.data).toMatchObject({ sub: 'mock-alice', session: expect.stringMatching(/^[\w-]{12}$/), token: expect.stringMatching(/^[\w-]{12}$/) })
    for (const token of [first, newest]) {
      expect(JSON.stringify(hook)).not.toContain(token.split('.')[0])
      expect(JSON.stringify(hook)).not.toContain(token.split('.')[1])
    }
    // The thief's copy and the victim's newest cookie are both dead.
    await expectRefused(await refresh(jarWith(newest)))
  })

  it('[REF-2] unknown and revoked cookies are still refused with 401 and cleared (Max-Age=0, same attributes)', async () => {
    const session = await loginSession(baseUrl, 'alice')
    expect((await logout(session.jar)).status).toBe(204)
    for (const value of [session.refreshToken, `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`]) {
      const response = await refresh(jarWith(value))
      const cleared = setCookie(response, REFRESH_COOKIE)
      await expectRefused(response)
      expect(cleared).toBeDefined()
      expect(isDeletion(cleared!)).toBe(true)
      expect(cleared!.attributes['max-age']).toBe('0')
      expect(cleared!.value).toBe('')
      expectSameAttributes(cleared!)
    }
  })

  it('[JWT-3] the claims function runs again on refresh with the stored user and without provider tokens', async () => {
    const session = await loginSession(baseUrl, 'bob')
    const atLogin = decodeJwt(session.token)
    expect(atLogin.hadProviderTokens).toBe(true)
    const body = await (await refresh(session.jar)).json() as TokenBody
    const refreshed = decodeJwt(body.token)
    expect(Number(refreshed.claimsCalls)).toBeGreaterThan(Number(atLogin.claimsCalls))
    expect(refreshed.hadProviderTokens).toBe(false)
    // Same user and claims rules as at login: stored user, reserved and nested claims still filtered.
    expect(refreshed).toMatchObject({ sub: 'mock-bob', role: 'user', name: 'Bob Fixture (via onUserInfo)', iss: 'nuxt-aegis', provider: 'mock' })
    expect(refreshed).not.toHaveProperty('nested')
  })
})

describe('POST /auth/refresh refuses anything but a live refresh token, never with a 500', () => {
  it('[REF-2] without a cookie → 401', async () => {
    await expectRefused(await refresh(new CookieJar()))
  })

  it('[REF-2] garbage, malformed, unknown and wrong-secret cookies → 401; the real session survives the wrong guess', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const [id, secret] = session.refreshToken.split('.') as [string, string]
    const wrongSecret = `${id}.${randomBytes(32).toString('base64url')}`
    const values = [
      'garbage',
      '.',
      'a.b',
      `${id}.`,
      `.${secret}`,
      `${id}.${secret}.extra`,
      `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
      wrongSecret,
      `${id.slice(0, 21)}%00.${secret}`,
      'x'.repeat(4000),
      '%E0%A4%A',
      `../../${id}.${secret}`,
    ]
    for (const value of values) {
      const response = await refresh(jarWith(value))
      expect(response.status, value.slice(0, 40)).toBe(401)
      expect((await response.json()).error).toBe('invalid_refresh_token')
    }
    expect((await refresh(session.jar)).status).toBe(200)
  })

  it('[REF-5] cross-site Origin or Sec-Fetch-Site → 403, no cookie change, and the cookie still works afterwards', async () => {
    const session = await loginSession(baseUrl, 'alice')
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Record<string, string>[]) {
      const response = await refresh(session.jar, headers)
      expect(setCookie(response, REFRESH_COOKIE)).toBeUndefined()
      await expectRefused(response, 403, 'cross_site_request')
    }
    expect(session.jar.get(REFRESH_COOKIE)).toBe(session.refreshToken)
    expect((await refresh(session.jar)).status).toBe(200)
  })
})

describe('POST /auth/logout', () => {
  it('[REF-3] answers 204, clears the cookie with the same Path/HttpOnly/Secure/SameSite, and the old cookie no longer refreshes', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await logout(session.jar)
    expect(response.status).toBe(204)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const cleared = setCookie(response, REFRESH_COOKIE)
    expect(cleared).toBeDefined()
    expect(isDeletion(cleared!)).toBe(true)
    expectSameAttributes(cleared!)
    // Revoked on the server: the cookie a thief copied earlier is dead too.
    await expectRefused(await refresh(jarWith(session.refreshToken)))
    expect(storedRecord(session.refreshToken)).toBeUndefined()
  })

  it('[REF-3] logout after a rotation revokes the current token', async () => {
    const session = await loginSession(baseUrl, 'alice')
    expect((await refresh(session.jar)).status).toBe(200)
    const current = session.jar.get(REFRESH_COOKIE)!
    expect((await logout(session.jar)).status).toBe(204)
    await expectRefused(await refresh(jarWith(current)))
  })

  it('[REF-3] logout with an older, rotated cookie also revokes the tokens that replaced it', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const first = session.refreshToken
    expect((await refresh(session.jar)).status).toBe(200)
    const second = session.jar.get(REFRESH_COOKIE)!
    expect((await refresh(session.jar)).status).toBe(200)
    const newest = session.jar.get(REFRESH_COOKIE)!
    expect(new Set([first, second, newest]).size).toBe(3)
    expect(storedRecord(newest)).toBeDefined()

    const response = await logout(jarWith(first))
    expect(response.status).toBe(204)
    expect(isDeletion(setCookie(response, REFRESH_COOKIE)!)).toBe(true)
    // The whole chain is gone: the newest cookie (still in the browser) no longer refreshes.
    await expectRefused(await refresh(jarWith(newest)))
    await expectRefused(await refresh(jarWith(second)))
    for (const token of [first, second, newest]) expect(storedRecord(token), token.slice(0, 8)).toBeUndefined()
  })

  it('[REF-3] logout with a rotated cookie leaves other logins of the same user alone', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const other = await loginSession(baseUrl, 'alice')
    expect((await refresh(session.jar)).status).toBe(200)
    expect((await logout(jarWith(session.refreshToken))).status).toBe(204)
    await expectRefused(await refresh(session.jar))
    expect((await refresh(other.jar)).status).toBe(200)
  })

  it('[REF-3] logout without a cookie is a harmless 204', async () => {
    const response = await logout(new CookieJar())
    expect(response.status).toBe(204)
  })

  it('[REF-5] cross-site logout → 403 and the session is still valid', async () => {
    const session = await loginSession(baseUrl, 'alice')
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const response = await logout(session.jar, headers)
      expect(setCookie(response, REFRESH_COOKIE)).toBeUndefined()
      await expectRefused(response, 403, 'cross_site_request')
    }
    expect(storedRecord(session.refreshToken)).toBeDefined()
    expect((await refresh(session.jar)).status).toBe(200)
  })
})

describe('[SES-14] the refresh cookie name', () => {
  /** A browser that holds only the unprefixed cookie (set before the upgrade, or tossed in by a subdomain). */
  const legacyJar = (token: string) => {
    const jar = new CookieJar()
    jar.set(LEGACY_REFRESH_COOKIE, token)
    return jar
  }

  it('is __Host- prefixed when Secure, Path=/ and host-only; a session from before the prefix is still read under the old name, moved on refresh, and both are cleared on logout', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const current = session.jar.get(REFRESH_COOKIE)
    expect(current).toBe(session.refreshToken)
    expect(session.jar.get(LEGACY_REFRESH_COOKIE)).toBeUndefined()
    expect(storedFamily(session.refreshToken)).toMatchObject({ hostCookie: true })

    // A family as stored before the upgrade (no flag), in a browser that holds its old cookie name.
    rewriteFamily(session.refreshToken, ({ hostCookie: _, ...family }) => family)
    const upgraded = legacyJar(session.refreshToken)
    const refreshed = await refresh(upgraded)
    expect(refreshed.status).toBe(200)
    const moved = setCookie(refreshed, REFRESH_COOKIE)!
    expectSameAttributes(moved)
    expect(isDeletion(setCookie(refreshed, LEGACY_REFRESH_COOKIE)!)).toBe(true)
    // The session hint comes with it: a session from before the hint gets one on its first refresh.
    expect(upgraded.names()).toEqual([REFRESH_COOKIE, `${REFRESH_COOKIE}-hint`])

    const response = await logout(legacyJar(moved.value))
    expect(response.status).toBe(204)
    for (const name of [REFRESH_COOKIE, LEGACY_REFRESH_COOKIE]) {
      expect(isDeletion(setCookie(response, name)!), name).toBe(true)
      expectSameAttributes(setCookie(response, name)!)
    }
    await expectRefused(await refresh(jarWith(moved.value)))
  })

  it('a live token issued under __Host- is no cookie under the old name (cookie tossing, login CSRF): 401, no new token, and the attacker\'s own session is untouched', async () => {
    // The attacker logs in and tosses their own live token in under the old name, for the whole site.
    const attacker = await loginSession(baseUrl, 'bob')
    const victim = legacyJar(attacker.refreshToken)
    const response = await refresh(victim)
    await expectRefused(response)
    expect(setCookies(response).filter(cookie => !isDeletion(cookie))).toEqual([])
    expect(victim.names()).toEqual([])
    // Ignored, not judged: nothing was rotated or revoked (the token is still live for its holder).
    expect(storedRecord(attacker.refreshToken)).not.toHaveProperty('rotatedAt')
    expect((await refresh(attacker.jar)).status).toBe(200)
  })

  it('a logout with only a tossed old-name cookie ends nothing', async () => {
    const attacker = await loginSession(baseUrl, 'bob')
    expect((await logout(legacyJar(attacker.refreshToken))).status).toBe(204)
    expect((await refresh(attacker.jar)).status).toBe(200)
  })
})

describe('refresh tokens at rest', () => {
  it('[REF-1] the storage holds only the SHA-256 of each secret, never the raw token or its secret', async () => {
    const tokens: string[] = []
    for (const persona of ['alice', 'bob']) {
      const session = await loginSession(baseUrl, persona)
      tokens.push(session.refreshToken)
      await refresh(session.jar)
      tokens.push(session.jar.get(REFRESH_COOKIE)!)
    }
    const files = storedFiles()
    expect(files.length).toBeGreaterThanOrEqual(tokens.length)
    const everything = files.map(f => `${f.path}\n${f.text}`).join('\n')
    for (const token of tokens) {
      const [id, secret] = token.split('.') as [string, string]
      expect(everything).not.toContain(secret)
      expect(everything).not.toContain(token)
      // The record exists (found by id) and holds the hash: we are reading the right files.
      const record = storedRecord(token)
      expect(record).toBeDefined()
      expect(record!.id).toBe(id)
      expect(record!.hash).toBe(sha256(secret))
    }
  })
})

describe('refresh and logout hooks', () => {
  it('[REF-2] [REF-3] nuxt-aegis:refresh and nuxt-aegis:logout run with the user and a session fingerprint (never the raw id)', async () => {
    const session = await loginSession(baseUrl, 'bob')
    const familyId = String(storedRecord(session.refreshToken)!.familyId)
    expect((await refresh(session.jar)).status).toBe(200)
    const afterRefresh = (await hookCalls(baseUrl)).at(-1)!
    expect(afterRefresh.name).toBe('nuxt-aegis:refresh')
    expect(afterRefresh.data.sub).toBe('mock-bob')
    const fingerprint = String(afterRefresh.data.session)
    expect(fingerprint).toMatch(/^[\w-]{8,}$/)
    expect(fingerprint).not.toContain(familyId)
    expect(familyId).not.toContain(fingerprint)

    expect((await logout(session.jar)).status).toBe(204)
    const afterLogout = (await hookCalls(baseUrl)).at(-1)!
    expect(afterLogout).toEqual({ name: 'nuxt-aegis:logout', data: { sub: 'mock-bob', session: fingerprint } })
  })

  it('[REF-2] a refused refresh fires no refresh hook', async () => {
    const before = (await hookCalls(baseUrl)).at(-1)
    await expectRefused(await refresh(jarWith('garbage')))
    expect((await hookCalls(baseUrl)).at(-1)).toEqual(before)
  })
})

describe('[SES-4] logout everywhere and the session server utils', () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  it('listUserSessions shows the user\'s sessions by fingerprint, never a token', async () => {
    const one = await loginSession(baseUrl, 'bob')
    const two = await loginSession(baseUrl, 'bob')
    const response = await fetch(new URL('/api/test/sessions', baseUrl), { headers: bearer(two.token) })
    expect(response.status).toBe(200)
    const list = await response.json() as Array<Record<string, unknown>>
    expect(list.length).toBeGreaterThanOrEqual(2)
    expect(list[0]).toMatchObject({ id: expect.stringMatching(/^[\w-]{12}$/), provider: 'mock', createdAt: expect.any(Number), expiresAt: expect.any(Number) })
    const text = JSON.stringify(list)
    for (const token of [one.refreshToken, two.refreshToken]) for (const part of token.split('.')) expect(text).not.toContain(part)
  })

  it('revokeUserSessions(sub, { keep: event }) ends the other sessions and keeps the caller\'s', async () => {
    const other = await loginSession(baseUrl, 'bob')
    const current = await loginSession(baseUrl, 'bob')
    const alice = await loginSession(baseUrl, 'alice')
    const response = await fetch(new URL('/api/test/revoke-other-sessions', baseUrl), { method: 'POST', headers: { ...bearer(current.token), cookie: `${REFRESH_COOKIE}=${current.refreshToken}` } })
    expect(response.status).toBe(200)
    expect((await response.json() as { revoked: number }).revoked).toBeGreaterThanOrEqual(1)
    await expectRefused(await refresh(other.jar))
    expect((await refresh(current.jar)).status).toBe(200)
    expect((await refresh(alice.jar)).status).toBe(200)
  })

  it('POST /auth/logout { everywhere: true } ends every session of the user, and only theirs', async () => {
    const laptop = await loginSession(baseUrl, 'bob')
    const phone = await loginSession(baseUrl, 'bob')
    const alice = await loginSession(baseUrl, 'alice')
    const response = await send(new URL('/auth/logout', baseUrl), {
      method: 'POST', jar: phone.jar, headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json' }, body: JSON.stringify({ everywhere: true }),
    })
    expect(response.status).toBe(204)
    expect(isDeletion(setCookie(response, REFRESH_COOKIE)!)).toBe(true)
    await expectRefused(await refresh(laptop.jar))
    await expectRefused(await refresh(jarWith(phone.refreshToken)))
    expect((await refresh(alice.jar)).status).toBe(200)
    const hook = (await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:logout').at(-1)
    expect(hook?.data).toMatchObject({ sub: 'mock-bob', revoked: expect.any(Number) })
    expect(hook!.data.revoked as number).toBeGreaterThanOrEqual(2)
  })

  it('logout everywhere without a live session ends nothing (it needs the session\'s own cookie)', async () => {
    const victim = await loginSession(baseUrl, 'bob')
    const forged = jarWith(`${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`)
    const response = await send(new URL('/auth/logout', baseUrl), {
      method: 'POST', jar: forged, headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json' }, body: JSON.stringify({ everywhere: true }),
    })
    expect(response.status).toBe(204)
    expect((await refresh(victim.jar)).status).toBe(200)
  })

  it('a logout with a non-JSON body (navigator.sendBeacon sends text/plain) still ends this session, and only it', async () => {
    const other = await loginSession(baseUrl, 'bob')
    const session = await loginSession(baseUrl, 'bob')
    const response = await send(new URL('/auth/logout', baseUrl), {
      method: 'POST', jar: session.jar, headers: { ...sameOrigin(baseUrl), 'content-type': 'text/plain;charset=UTF-8' }, body: '{"everywhere":true}',
    })
    expect(response.status).toBe(204)
    await expectRefused(await refresh(jarWith(session.refreshToken)))
    expect((await refresh(other.jar)).status).toBe(200)
  })

  it('[SES-11] a same-origin logout always ends the session: an empty, malformed or non-boolean JSON body means this session only; cross-site is a 403 and changes nothing', async () => {
    const other = await loginSession(baseUrl, 'bob')
    for (const body of ['', '{"everywhere":', 'null', '[]', JSON.stringify({ everywhere: 'yes' })]) {
      const session = await loginSession(baseUrl, 'bob')
      const response = await send(new URL('/auth/logout', baseUrl), {
        method: 'POST', jar: session.jar, headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json' }, body,
      })
      expect(response.status, body).toBe(204)
      expect(isDeletion(setCookie(response, REFRESH_COOKIE)!), body).toBe(true)
      await expectRefused(await refresh(jarWith(session.refreshToken)))
    }
    expect((await refresh(other.jar)).status).toBe(200)
    const session = await loginSession(baseUrl, 'bob')
    const crossSite = await send(new URL('/auth/logout', baseUrl), {
      method: 'POST', jar: session.jar, headers: { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: '{"everywhere":',
    })
    expect(crossSite.status).toBe(403)
    expect(setCookie(crossSite, REFRESH_COOKIE)).toBeUndefined()
    expect((await refresh(session.jar)).status).toBe(200)
  })
})

describe('[SES-10] logout with a rotated refresh token', () => {
  const everywhere = (jar: CookieJar, headers: Record<string, string> = {}) => send(new URL('/auth/logout', baseUrl), {
    method: 'POST', jar, headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json', ...headers }, body: JSON.stringify({ everywhere: true }),
  })
  const lastHook = async (name: string) => (await hookCalls(baseUrl)).filter(call => call.name === name).at(-1)

  it('an older, rotated cookie is reuse, as on refresh: the family is revoked and nuxt-aegis:tokenReuse fires', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const first = session.refreshToken
    expect((await refresh(session.jar)).status).toBe(200)
    expect((await refresh(session.jar)).status).toBe(200)
    const family = (await lastHook('nuxt-aegis:refresh'))!.data.session
    const response = await logout(jarWith(first))
    expect(response.status).toBe(204)
    expect(isDeletion(setCookie(response, REFRESH_COOKIE)!)).toBe(true)
    expect((await lastHook('nuxt-aegis:tokenReuse'))?.data).toMatchObject({ sub: 'mock-alice', session: family, token: expect.stringMatching(/^[\w-]{12}$/) })
    await expectRefused(await refresh(session.jar))
  })

  it('logout everywhere with a stale, rotated cookie ends only that family (as reuse), never the user\'s other sessions', async () => {
    const laptop = await loginSession(baseUrl, 'bob')
    const phone = await loginSession(baseUrl, 'bob')
    const stolen = phone.refreshToken
    expect((await refresh(phone.jar)).status).toBe(200)
    expect((await refresh(phone.jar)).status).toBe(200)
    const response = await everywhere(jarWith(stolen))
    expect(response.status).toBe(204)
    expect((await lastHook('nuxt-aegis:tokenReuse'))?.data).toMatchObject({ sub: 'mock-bob' })
    expect((await lastHook('nuxt-aegis:logout'))?.data).not.toHaveProperty('revoked')
    await expectRefused(await refresh(phone.jar))
    expect((await refresh(laptop.jar)).status).toBe(200)
  })

  it('the predecessor inside the reuse interval ends its own session but cannot ask for everywhere; a valid access token of the user can', async () => {
    const laptop = await loginSession(baseUrl, 'bob')
    const phone = await loginSession(baseUrl, 'bob')
    expect((await refresh(phone.jar)).status).toBe(200)
    expect((await everywhere(jarWith(phone.refreshToken))).status).toBe(204)
    await expectRefused(await refresh(phone.jar))
    expect((await refresh(laptop.jar)).status).toBe(200)
    // Someone else's access token does not widen a logout made with bob's rotated cookie.
    const alice = await loginSession(baseUrl, 'alice')
    const tablet = await loginSession(baseUrl, 'bob')
    expect((await refresh(tablet.jar)).status).toBe(200)
    expect((await everywhere(jarWith(tablet.refreshToken), { authorization: `Bearer ${alice.token}` })).status).toBe(204)
    expect((await refresh(laptop.jar)).status).toBe(200)
    expect((await refresh(alice.jar)).status).toBe(200)
    // bob's own access token, without any cookie: every session of bob ends.
    const byToken = await everywhere(new CookieJar(), { authorization: `Bearer ${laptop.token}` })
    expect(byToken.status).toBe(204)
    await expectRefused(await refresh(laptop.jar))
    expect((await lastHook('nuxt-aegis:logout'))?.data).toMatchObject({ sub: 'mock-bob', revoked: expect.any(Number) })
    expect((await refresh(alice.jar)).status).toBe(200)
  })
})
