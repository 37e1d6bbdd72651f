import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import {
  CookieJar,
  handoffCookie,
  REFRESH_COOKIE,
  decodeJwt,
  isDeletion,
  login,
  loginSession,
  postWithCookie,
  redeem,
  sameOrigin,
  send,
  setCookie,
} from '../support/http'

const baseUrl = inject('baseUrl')
const tokenUrl = () => new URL('/auth/token', baseUrl)
const unknownCode = () => randomBytes(32).toString('base64url')

/** POST /auth/token with a raw body and content type, as a same-origin page. */
function post(body: BodyInit | undefined, contentType: string | null = 'application/json', extra: RequestInit & { jar?: CookieJar } = {}) {
  return send(tokenUrl(), {
    method: 'POST',
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...sameOrigin(baseUrl) },
    body,
    ...extra,
  })
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(setCookie(response, REFRESH_COOKIE)).toBeUndefined()
  const body = await response.json()
  expect(body).toEqual({ error: code, message: expect.any(String) })
  expect(JSON.stringify(body)).not.toMatch(/at .*\(|node_modules|\.mjs/)
}

describe('POST /auth/token: the happy path', () => {
  it('[CODE-5] answers 200 { token, tokenType: Bearer, expiresIn: 600 } with Cache-Control: no-store', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    const response = await redeem(baseUrl, code, jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(Object.keys(body).sort()).toEqual(['expiresIn', 'token', 'tokenType'])
    expect(body.tokenType).toBe('Bearer')
    expect(body.expiresIn).toBe(600)
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    // The token is accepted by the app's own protection.
    const whoami = await fetch(new URL('/api/protected/whoami', baseUrl), { headers: { authorization: `Bearer ${body.token}` } })
    expect(whoami.status).toBe(200)
    expect(await whoami.json()).toEqual({ sub: 'mock-alice', role: 'admin' })
  })

  it('[CODE-5] sets the refresh cookie HttpOnly; Secure; SameSite=Lax; Path=/ with the configured Max-Age and no Domain', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    const response = await redeem(baseUrl, code, jar)
    const cookie = setCookie(response, REFRESH_COOKIE)
    expect(cookie).toBeDefined()
    expect(cookie!.value).toMatch(/^[\w-]{22}\.[\w-]{43}$/)
    expect(cookie!.attributes.httponly).toBe(true)
    expect(cookie!.attributes.secure).toBe(true)
    expect(String(cookie!.attributes.samesite).toLowerCase()).toBe('lax')
    expect(cookie!.attributes.path).toBe('/')
    expect(cookie!.attributes['max-age']).toBe('604800')
    expect(cookie!.attributes.domain).toBeUndefined()
    // The refresh token is never in the body.
    expect(await response.text()).not.toContain(cookie!.value)
  })

  it('[JWT-1] [JWT-3] the access token: HS256 at+jwt, iss nuxt-aegis (not the custom "evil"), aud aegis-tests, custom claims kept, non-primitive dropped', async () => {
    const { token } = await loginSession(baseUrl, 'alice')
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' })
    const claims = decodeJwt(token)
    expect(claims.iss).toBe('nuxt-aegis')
    expect(claims.aud).toBe('aegis-tests')
    expect(claims.sub).toBe('mock-alice')
    expect(claims.role).toBe('admin')
    expect(claims.provider).toBe('mock')
    expect(claims.hadProviderTokens).toBe(true)
    expect(typeof claims.claimsCalls).toBe('number')
    expect(claims).not.toHaveProperty('nested')
    expect(Number(claims.exp) - Number(claims.iat)).toBe(600)
    expect(claims.jti).toEqual(expect.any(String))
    // No provider token or secret inside.
    expect(Object.keys(claims)).not.toContain('access_token')
    expect(JSON.stringify(claims)).not.toContain(TEST_SECRET)
  })

  it('[CODE-1] a CODE has 256 random bits: two logins never share one', async () => {
    const a = await login(baseUrl, 'alice')
    const b = await login(baseUrl, 'alice')
    expect(a.code).toMatch(/^[\w-]{43}$/)
    expect(b.code).not.toBe(a.code)
  })
})

describe('the CODE is single use', () => {
  it('[CODE-2] a replayed CODE gets 400 invalid_code and revokes the session its first redemption created', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    // The replay comes with the handoff cookie too: refused because the CODE is used, not for a missing binding.
    const replayer = jar.clone()
    expect(replayer.get(handoffCookie(code))).toBeDefined()
    const first = await redeem(baseUrl, code, jar)
    expect(first.status).toBe(200)
    const refreshToken = jar.get(REFRESH_COOKIE)
    expect(refreshToken).toBeDefined()

    await expectError(await redeem(baseUrl, code, replayer), 400, 'invalid_code')

    // The refresh cookie of the first redemption is dead now.
    const refresh = await postWithCookie(baseUrl, '/auth/refresh', jar)
    expect(refresh.status).toBe(401)
    expect((await refresh.json()).error).toBe('invalid_refresh_token')
  })

  it('[CODE-2] the session of an unreplayed CODE stays valid (control for the replay test)', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    expect((await redeem(baseUrl, code, jar)).status).toBe(200)
    expect((await postWithCookie(baseUrl, '/auth/refresh', jar)).status).toBe(200)
  })

  it('[CODE-1] 10 parallel POSTs with one CODE and its handoff cookie: exactly one 200, the others 400 invalid_code', async () => {
    const { jar, code } = await login(baseUrl, 'bob')
    // Every request carries the binding (fixed up front: the winner's response clears it from the jar).
    const cookie = jar.header('/auth/token')
    expect(cookie).toContain(`${handoffCookie(code)}=`)
    const headers = { ...sameOrigin(baseUrl), cookie }
    const responses = await Promise.all(Array.from({ length: 10 }, () => redeem(baseUrl, code, undefined, headers)))
    const statuses = responses.map(r => r.status)
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s === 400)).toHaveLength(9)
    for (const response of responses.filter(r => r.status === 400)) {
      expect((await response.json()).error).toBe('invalid_code')
    }
    const winner = responses.find(r => r.status === 200)!
    expect(decodeJwt((await winner.json()).token).sub).toBe('mock-bob')
  })

  it('[CODE-2] [CODE-6] unknown, used, unbound and wrongly bound CODEs get byte-identical answers', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    const replayer = jar.clone()
    expect((await redeem(baseUrl, code, jar)).status).toBe(200)
    const used = await redeem(baseUrl, code, replayer)
    const unknown = await redeem(baseUrl, unknownCode(), replayer)
    const unbound = await redeem(baseUrl, (await login(baseUrl, 'alice')).code)
    const other = await login(baseUrl, 'bob')
    const wronglyBound = await redeem(baseUrl, (await login(baseUrl, 'alice')).code, other.jar)
    expect(used.status).toBe(400)
    const expected = await used.text()
    expect(JSON.parse(expected).error).toBe('invalid_code')
    for (const [name, response] of Object.entries({ unknown, unbound, wronglyBound })) {
      expect(response.status, name).toBe(used.status)
      expect(await response.text(), name).toBe(expected)
      expect(response.headers.get('content-type'), name).toBe(used.headers.get('content-type'))
    }
  })

  describe('with authCode.expiresIn = 2 s (runtime override)', () => {
    let server: RunningServer
    beforeAll(async () => {
      server = await startServer({
        NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
        NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
        // 2 s: the control login below must redeem its CODE in time also on a busy CI machine.
        NUXT_AEGIS_AUTH_CODE_EXPIRES_IN: '2',
      })
    })
    afterAll(async () => {
      await server?.stop()
    })

    it('[CODE-1] [CODE-2] an expired CODE is refused with the same answer as an unknown one', async () => {
      const { jar, code } = await login(server.url, 'alice')
      await new Promise(resolve => setTimeout(resolve, 2500))
      // The test jar ignores Max-Age, so the handoff cookie is still sent: only the CODE's expiry refuses it.
      expect(jar.get(handoffCookie(code))).toBeDefined()
      const expired = await redeem(server.url, code, jar)
      const unknown = await redeem(server.url, unknownCode(), jar)
      expect(expired.status).toBe(400)
      expect(unknown.status).toBe(400)
      expect(await expired.text()).toBe(await unknown.text())
      // Control: a fresh CODE on this server works.
      const fresh = await login(server.url, 'alice')
      expect((await redeem(server.url, fresh.code, fresh.jar)).status).toBe(200)
    })

    it('[CODE-6] the handoff cookie lives as long as the CODE (Max-Age = authCode.expiresIn)', async () => {
      const { callbackResponse, code } = await login(server.url, 'alice')
      expect(setCookie(callbackResponse, handoffCookie(code))!.attributes['max-age']).toBe('2')
    })
  })
})

describe('the CODE is bound to the browser that finished the login (login CSRF)', () => {
  it('[CODE-6] the provider callback sets nuxt-aegis-handoff-<fingerprint of the CODE>: HttpOnly, Secure, SameSite=Lax, Path=/auth/token, Max-Age=60, random and not the CODE', async () => {
    const { code, location, callbackResponse, handoff } = await login(baseUrl, 'alice')
    const cookie = setCookie(callbackResponse, handoffCookie(code))!
    expect(cookie.attributes.httponly).toBe(true)
    expect(cookie.attributes.secure).toBe(true)
    expect(String(cookie.attributes.samesite).toLowerCase()).toBe('lax')
    expect(cookie.attributes.path).toBe('/auth/token')
    expect(cookie.attributes['max-age']).toBe('60')
    expect(cookie.attributes.domain).toBeUndefined()
    expect(handoff).toMatch(/^[\w-]{43}$/)
    expect(handoff).not.toBe(code)
    expect(location.href).not.toContain(handoff)
    expect((await login(baseUrl, 'alice')).handoff).not.toBe(handoff)
  })

  it('[CODE-6] a successful redemption clears the handoff cookie (same Path)', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    const response = await redeem(baseUrl, code, jar)
    expect(response.status).toBe(200)
    const cleared = setCookie(response, handoffCookie(code))
    expect(cleared).toBeDefined()
    expect(isDeletion(cleared!)).toBe(true)
    expect(cleared!.attributes.path).toBe('/auth/token')
    expect(cleared!.attributes.httponly).toBe(true)
    expect(jar.get(handoffCookie(code))).toBeUndefined()
  })

  it('[CODE-6] a CODE redeemed by a client without the handoff cookie → 400 invalid_code, and the CODE is not spent', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    await expectError(await redeem(baseUrl, code, new CookieJar()), 400, 'invalid_code')
    // The browser that logged in still redeems it: a leaked CODE cannot burn the login.
    const own = await redeem(baseUrl, code, jar)
    expect(own.status).toBe(200)
    expect(jar.get(REFRESH_COOKIE)).toBeDefined()
  })

  it('[CODE-6] [CODE-2] a CODE leaked from the callback URL, POSTed by a non-browser client that sets the site\'s Origin, neither burns the login nor ends its session', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    // Before the victim's page redeems it: refused, and the CODE is still the victim's.
    await expectError(await redeem(baseUrl, code, new CookieJar(), sameOrigin(baseUrl)), 400, 'invalid_code')
    const own = await redeem(baseUrl, code, jar)
    expect(own.status).toBe(200)
    const { token } = await own.json()
    // After it: the replay without the binding gets the used-CODE answer and revokes nothing.
    const forged = new CookieJar()
    forged.set(handoffCookie(code), randomBytes(32).toString('base64url'), '/auth/token')
    await expectError(await redeem(baseUrl, code, new CookieJar(), sameOrigin(baseUrl)), 400, 'invalid_code')
    await expectError(await redeem(baseUrl, code, forged, sameOrigin(baseUrl)), 400, 'invalid_code')
    expect((await postWithCookie(baseUrl, '/auth/refresh', jar)).status).toBe(200)
    expect((await fetch(new URL('/api/protected/whoami', baseUrl), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
  })

  it('[CODE-6] a CODE redeemed with another login\'s handoff cookie or a forged one → 400 invalid_code', async () => {
    // The attacker logs in with their own account and plants the CODE in the victim's browser.
    const attacker = await login(baseUrl, 'bob')
    const victim = await login(baseUrl, 'alice')
    await expectError(await redeem(baseUrl, attacker.code, victim.jar), 400, 'invalid_code')
    expect(victim.jar.get(REFRESH_COOKIE)).toBeUndefined()
    // The victim's own login is untouched by the refused attempt.
    const own = await redeem(baseUrl, victim.code, victim.jar)
    expect(own.status).toBe(200)
    expect(decodeJwt((await own.json()).token).sub).toBe('mock-alice')

    const forged = await login(baseUrl, 'alice')
    const jar = new CookieJar()
    jar.set(handoffCookie(forged.code), randomBytes(32).toString('base64url'), '/auth/token')
    await expectError(await redeem(baseUrl, forged.code, jar), 400, 'invalid_code')
    expect(jar.get(REFRESH_COOKIE)).toBeUndefined()
    // Refused attempts do not spend a CODE: only the browser that logged in can, and still may.
    expect((await redeem(baseUrl, forged.code, forged.jar)).status).toBe(200)
    expect((await redeem(baseUrl, attacker.code, attacker.jar)).status).toBe(200)
  })
})

describe('POST /auth/token refuses malformed requests with a 4xx, never a 500', () => {
  it('[CODE-4] text/plain → 415; no content type → 415; application/json; charset=utf-8 is accepted', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    await expectError(await post(JSON.stringify({ code }), 'text/plain', { jar }), 415, 'unsupported_media_type')
    // Bytes: fetch adds no Content-Type of its own.
    await expectError(await post(new TextEncoder().encode(JSON.stringify({ code })), null, { jar }), 415, 'unsupported_media_type')
    await expectError(await post(JSON.stringify({ code }), 'application/jsonp', { jar }), 415, 'unsupported_media_type')
    await expectError(await post(JSON.stringify({ code }), 'application/x-www-form-urlencoded', { jar }), 415, 'unsupported_media_type')
    // The CODE (and its binding) was not consumed by the refused requests.
    const ok = await post(JSON.stringify({ code }), 'application/json; charset=utf-8', { jar })
    expect(ok.status).toBe(200)
  })

  it('[CODE-4] no body or invalid JSON → 400', async () => {
    await expectError(await post(undefined), 400, 'invalid_request')
    await expectError(await post(''), 400, 'invalid_request')
    await expectError(await post('{"code":'), 400, 'invalid_request')
    await expectError(await post('not json'), 400, 'invalid_request')
  })

  it('[CODE-4] a body that is not an object → 400 (array, null, string, number)', async () => {
    const { code } = await login(baseUrl, 'alice')
    await expectError(await post(JSON.stringify([code])), 400, 'invalid_request')
    await expectError(await post(JSON.stringify([{ code }])), 400, 'invalid_request')
    await expectError(await post('null'), 400, 'invalid_request')
    await expectError(await post(JSON.stringify(code)), 400, 'invalid_request')
    await expectError(await post('42'), 400, 'invalid_request')
  })

  it('[CODE-4] a code of the wrong type or shape → 400 invalid_request', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    for (const bad of [undefined, 123, null, true, [code], { code }, '', code.slice(1), `${code}A`, `${code.slice(0, 42)}!`, `${code.slice(0, 42)}=`, ' '.repeat(43)]) {
      await expectError(await post(JSON.stringify({ code: bad }), 'application/json', { jar }), 400, 'invalid_request')
    }
    // Not invalid_code: a malformed value never reaches the store, and the real CODE still works.
    expect((await redeem(baseUrl, code, jar)).status).toBe(200)
  })

  it('[CODE-4] a body over 4 KB → 413; a streamed body without Content-Length → 411', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    const big = JSON.stringify({ code, padding: 'x'.repeat(5000) })
    await expectError(await post(big, 'application/json', { jar }), 413, 'payload_too_large')
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const chunked = await post(stream, 'application/json', { duplex: 'half', jar } as RequestInit)
    await expectError(chunked, 411, 'length_required')
    // Just under the cap is fine.
    const small = JSON.stringify({ code, padding: 'x'.repeat(3000) })
    expect((await post(small, 'application/json', { jar })).status).toBe(200)
  })

  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
    it(`[CODE-4] ${method} /auth/token → 405 with Allow: POST`, async () => {
      const response = await send(tokenUrl(), { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(await response.json()).toEqual({ error: 'method_not_allowed', message: expect.any(String) })
    })
  }

  it('[CODE-4] GET on /auth/refresh and /auth/logout → 405 too, and changes nothing', async () => {
    const session = await loginSession(baseUrl, 'alice')
    for (const path of ['/auth/refresh', '/auth/logout']) {
      const response = await send(new URL(path, baseUrl), { jar: session.jar })
      expect(response.status).toBe(405)
      expect(setCookie(response, REFRESH_COOKIE)).toBeUndefined()
    }
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(200)
  })
})

describe('POST /auth/token is same-origin only', () => {
  it('[CODE-4] [REF-5] Origin: https://evil.example → 403, and the CODE is still redeemable after', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    // The request carries the handoff cookie: only the Origin check refuses it, and the CODE survives.
    const response = await redeem(baseUrl, code, jar, { origin: 'https://evil.example' })
    await expectError(response, 403, 'cross_site_request')
    expect((await redeem(baseUrl, code, jar)).status).toBe(200)
  })

  it('[CODE-4] [REF-5] Sec-Fetch-Site: cross-site or same-site → 403; Origin: null → 403; CODE kept', async () => {
    const { jar, code } = await login(baseUrl, 'alice')
    await expectError(await redeem(baseUrl, code, jar, { 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request')
    await expectError(await redeem(baseUrl, code, jar, { 'sec-fetch-site': 'same-site' }), 403, 'cross_site_request')
    await expectError(await redeem(baseUrl, code, jar, { origin: 'null' }), 403, 'cross_site_request')
    // Same host, other port: another origin.
    const other = new URL(baseUrl)
    other.port = String(Number(other.port) + 1)
    await expectError(await redeem(baseUrl, code, jar, { origin: other.origin }), 403, 'cross_site_request')
    // A same-origin Origin with a cross-site Sec-Fetch-Site is still refused.
    await expectError(await redeem(baseUrl, code, jar, { 'origin': new URL(baseUrl).origin, 'sec-fetch-site': 'cross-site' }), 403, 'cross_site_request')
    expect((await redeem(baseUrl, code, jar)).status).toBe(200)
  })

  it('[CODE-4] the cross-site check runs before the body is read: a cross-site oversized non-JSON body is 403', async () => {
    const response = await send(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'origin': 'https://evil.example' },
      body: 'x'.repeat(10_000),
    })
    expect(response.status).toBe(403)
  })
})
