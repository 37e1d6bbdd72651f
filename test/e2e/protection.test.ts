import { SignJWT, UnsecuredJWT } from 'jose'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET } from '../support/server'
import { CookieJar, REFRESH_COOKIE, loginSession, postWithCookie, rawRequest, send, setCookie } from '../support/http'
import type { Session } from '../support/http'

const baseUrl = inject('baseUrl')
const url = (path: string) => new URL(path, baseUrl)
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

let alice: Session
beforeAll(async () => {
  alice = await loginSession(baseUrl, 'alice')
})

async function get(path: string, headers: Record<string, string> = {}) {
  return send(url(path), { headers })
}

async function expect401(response: Response, code: string) {
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(await response.json()).toEqual({ error: code, message: expect.any(String) })
}

interface Forgery {
  header?: Record<string, unknown>
  secret?: string
  iat?: number
  exp?: number
  iss?: string
  aud?: string
}

/** A token the app would accept, except for what the options change. */
function forge(options: Forgery = {}) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...options.header } as { alg: string })
    .setSubject('mock-mallory')
    .setIssuer(options.iss ?? 'nuxt-aegis')
    .setAudience(options.aud ?? 'aegis-tests')
    .setIssuedAt(options.iat ?? now)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET))
}

const OTHER_SECRET = 'another-secret-of-at-least-32-bytes-long!!'

describe('protected API routes', () => {
  it('[ROUTE-2] /api/protected/whoami without a token → 401 JSON { error, message } with WWW-Authenticate: Bearer', async () => {
    const response = await get('/api/protected/whoami')
    expect(response.headers.get('cache-control')).toBe('no-store')
    await expect401(response, 'unauthorized')
  })

  it('[ROUTE-2] [ROUTE-3] with a valid token → 200 and the user from context.user', async () => {
    const response = await get('/api/protected/whoami', bearer(alice.token))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sub: 'mock-alice', role: 'admin' })
  })

  it('[JWT-2] the Bearer scheme is case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const response = await get('/api/protected/whoami', { authorization: `${scheme} ${alice.token}` })
      expect(response.status, scheme).toBe(200)
    }
  })

  it('[JWT-2] a token in the query string is not accepted', async () => {
    await expect401(await get(`/api/protected/whoami?access_token=${alice.token}`), 'unauthorized')
    await expect401(await get(`/api/protected/whoami?token=${alice.token}`), 'unauthorized')
  })

  it('[ROUTE-1] publicRoutes win: /api/protected/open answers without a token', async () => {
    const response = await get('/api/protected/open')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ open: true, user: null })
    const withToken = await get('/api/protected/open', bearer(alice.token))
    expect(await withToken.json()).toEqual({ open: true, user: 'mock-alice' })
  })
})

describe('the route matcher cannot be bypassed', () => {
  const page = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

  // Read the same way by the matcher and the router: still protected.
  const folded = [
    '/api/PROTECTED/whoami',
    '/API/protected/whoami',
    '/api/%70rotected/whoami',
    '/api/%50ROTECTED/whoami',
    '/api/protected/whoami/',
    '/api/protected/whoami?/api/protected/open',
  ]
  for (const path of folded) {
    it(`[ROUTE-1] [ROUTE-3] ${path} → 401 without a token`, async () => {
      const response = await rawRequest(baseUrl, path, { headers: { accept: 'application/json' } })
      expect(response.status).toBe(401)
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/)
      expect(response.body).not.toContain('mock-')
    })
  }

  // Paths the router could read differently from the matcher: refused before any route runs.
  const ambiguous = [
    '/api//protected/whoami',
    '//api/protected/whoami',
    '/api/./protected/whoami',
    '/api/protected/./whoami',
    '/api/public/../protected/whoami',
    '/api/public/%2e%2e/protected/whoami',
    '/api/public/..%2fprotected/whoami',
    '/api/protected%2fwhoami',
    '/api/protected%2Fwhoami',
    '/api\\protected\\whoami',
    '/api/protected%5cwhoami',
    '/api/protected/whoami//',
    '/api/protected/whoami/.',
    '/api/protected/open/../whoami',
    '/api/protected/open/%2e%2e/whoami',
    '/api/protected/open/%2E%2E/whoami',
    '/auth/../api/protected/whoami',
    '/auth/..%2fapi/protected/whoami',
    '/auth%2f..%2fapi/protected/whoami',
    '/auth/mock/../../api/protected/whoami',
    '/authx/../api/protected/whoami',
    '/api/protected/who%00ami',
    '/api/protected/who%0aami',
  ]
  for (const path of ambiguous) {
    it(`[ROUTE-1] [ROUTE-3] ${path} → 400 invalid_request, also for a page load with a live session`, async () => {
      const response = await rawRequest(baseUrl, path, { headers: { accept: 'application/json' } })
      expect(response.status).toBe(400)
      expect(response.headers['content-type']).toMatch(/^application\/json/)
      expect(JSON.parse(response.body)).toEqual({ error: 'invalid_request', message: expect.any(String) })
      // The cookie fallback of page loads cannot be reached through such a path either.
      const navigation = await rawRequest(baseUrl, path, { headers: page, jar: alice.jar })
      expect(navigation.status).toBe(400)
      expect(navigation.body).not.toContain('mock-')
    })
  }

  it('[ROUTE-1] a double-encoded path is decoded once: never answered with protected data', async () => {
    for (const path of ['/api/%2570rotected/whoami', '/api/public/%252e%252e/protected/whoami']) {
      const response = await rawRequest(baseUrl, path, { headers: { accept: 'application/json' } })
      expect(response.status, path).toBeGreaterThanOrEqual(400)
      expect(response.status, path).toBeLessThan(500)
      expect(response.body).not.toContain('"sub"')
    }
  })

  it('[ROUTE-1] an undecodable path is a 400, not a 500 and not a pass', async () => {
    const response = await rawRequest(baseUrl, '/api/protected/%E0%A4%A/whoami')
    expect(response.status).toBe(400)
  })
})

describe('malformed or foreign Authorization headers → 401, never 500', () => {
  it('[JWT-2] malformed headers on a protected route → 401 invalid_token with WWW-Authenticate: Bearer', async () => {
    const headers = [
      'Bearer',
      'Bearer ',
      'Basic abc',
      `Basic ${Buffer.from('alice:secret').toString('base64')}`,
      'Bearer a b',
      `Bearer ${'x'.repeat(9000)}`,
      `Bearer ${alice.token} ${alice.token}`,
      `Bearer ${alice.token},`,
      'Bearer not.a.jwt',
      'Bearer ...',
      `Token ${alice.token}`,
      `Bearer${alice.token}`,
    ]
    for (const authorization of headers) {
      const response = await get('/api/protected/whoami', { authorization })
      expect(response.status, authorization.slice(0, 30)).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
      const body = await response.json()
      expect(['invalid_token', 'unauthorized']).toContain(body.error)
    }
  })

  it('[JWT-1] [JWT-2] tokens that are not ours are refused: other secret, expired, alg none, wrong typ/iss/aud, tampered, too old', async () => {
    const now = Math.floor(Date.now() / 1000)
    const [h, p, s] = alice.token.split('.') as [string, string, string]
    const elevated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'root' })).toString('base64url')
    const cases: Record<string, string> = {
      'control (valid forgery with the real secret)': await forge(),
      'signed with another secret': await forge({ secret: OTHER_SECRET }),
      'expired': await forge({ iat: now - 3600, exp: now - 1800 }),
      'alg none': new UnsecuredJWT({ role: 'admin' }).setSubject('mock-mallory').setIssuer('nuxt-aegis').setAudience('aegis-tests').setIssuedAt().setExpirationTime('10m').encode(),
      'typ JWT instead of at+jwt': await forge({ header: { typ: 'JWT' } }),
      'no typ': await forge({ header: { typ: undefined } }),
      'other issuer': await forge({ iss: 'evil' }),
      'other audience': await forge({ aud: 'other-app' }),
      'HS512 with the real secret': await forge({ header: { alg: 'HS512' } }),
      'issued long ago (beyond the maximum token age)': await forge({ iat: now - 7200 }),
      'tampered payload': `${h}.${elevated}.${s}`,
      'stripped signature': `${h}.${p}.`,
    }
    for (const [name, token] of Object.entries(cases)) {
      const response = await get('/api/protected/whoami', bearer(token))
      if (name.startsWith('control')) {
        // Proves the forgeries differ from an accepted token only in what their name says.
        expect(response.status, name).toBe(200)
        continue
      }
      expect(response.status, name).toBe(401)
      expect(response.headers.get('www-authenticate'), name).toMatch(/^Bearer\b/)
      expect((await response.json()).error, name).toBe('invalid_token')
    }
  })

  it('[JWT-2] a bad token on a public route is ignored (no user), not an error', async () => {
    const response = await get('/api/public/me-or-null', { authorization: 'Bearer not.a.jwt' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ user: null })
  })
})

describe('context.user, getAuthUser, requireAuth and /api/user/me', () => {
  it('[ROUTE-3] context.user is set on an unprotected route when a valid token is sent, null otherwise', async () => {
    expect(await (await get('/api/public/me-or-null', bearer(alice.token))).json()).toEqual({ user: 'mock-alice' })
    expect(await (await get('/api/public/me-or-null')).json()).toEqual({ user: null })
    const foreign = await forge({ secret: OTHER_SECRET })
    expect(await (await get('/api/public/me-or-null', bearer(foreign))).json()).toEqual({ user: null })
  })

  it('[ROUTE-4] getAuthUser + requireAuth: 401 with WWW-Authenticate without a token, 200 with one', async () => {
    const without = await get('/api/strict', { accept: 'application/json' })
    expect(without.status).toBe(401)
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    expect(without.headers.get('cache-control')).toBe('no-store')
    const text = await without.text()
    expect(text).not.toMatch(/at .*\(|node_modules|\.mjs:\d/)
    const body = JSON.parse(text)
    // Thrown from a user handler: Nitro's error format, with the stable code in data.
    expect(body.data ?? body).toMatchObject({ error: 'unauthorized' })

    const invalid = await get('/api/strict', bearer('not.a.jwt'))
    expect(invalid.status).toBe(401)

    const ok = await get('/api/strict', bearer(alice.token))
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'mock-alice', same: true })
  })

  it('[ROUTE-4] GET /api/user/me → the claims with a token, 401 { error, message } without', async () => {
    const ok = await get('/api/user/me', bearer(alice.token))
    expect(ok.status).toBe(200)
    expect(ok.headers.get('cache-control')).toBe('no-store')
    expect(await ok.json()).toMatchObject({ sub: 'mock-alice', role: 'admin', iss: 'nuxt-aegis', aud: 'aegis-tests', name: 'Alice Fixture (via onUserInfo)', provider: 'mock' })

    await expect401(await get('/api/user/me'), 'unauthorized')
    await expect401(await get('/api/user/me', bearer('not.a.jwt')), 'unauthorized')
  })
})

describe('protected pages on SSR', () => {
  const page = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

  it('[ROUTE-2] a page navigation to /members/x without a session → 302 to /login?redirectTo=/members/x', async () => {
    for (const headers of [page, { accept: 'text/html' }, { 'sec-fetch-dest': 'document' }] as Record<string, string>[]) {
      const response = await get('/members/x?tab=2', headers)
      expect(response.status).toBe(302)
      const location = new URL(response.headers.get('location')!, baseUrl)
      expect(location.origin).toBe(new URL(baseUrl).origin)
      expect(location.pathname).toBe('/login')
      expect(location.searchParams.get('redirectTo')).toBe('/members/x?tab=2')
    }
  })

  it('[ROUTE-2] the redirectTo is the URL the browser asked for, as it was sent', async () => {
    for (const path of ['/Members/X/?tab=2', '/members/%78?a=%2F&b=1']) {
      const response = await rawRequest(baseUrl, path, { headers: page })
      expect(response.status, path).toBe(302)
      const location = new URL(String(response.headers.location), baseUrl)
      expect(location.pathname).toBe('/login')
      expect(location.searchParams.get('redirectTo')).toBe(path)
    }
  })

  it('[ROUTE-2] /members itself (the ** glob matches the base) redirects too, and a dotted path cannot skip it', async () => {
    expect((await get('/members', page)).status).toBe(302)
    for (const dotted of ['/login/../members', '/members/./x', '/login/%2e%2e/members']) {
      const response = await rawRequest(baseUrl, dotted, { headers: page })
      // Refused outright: neither rendered nor sent through the login page.
      expect(response.status, dotted).toBe(400)
      expect(response.headers.location, dotted).toBeUndefined()
      expect(response.body, dotted).not.toContain('data-testid="members"')
    }
  })

  it('[ROUTE-2] a fetch (not a navigation) to a protected page path gets 401 JSON, not a redirect', async () => {
    await expect401(await get('/members/x', { 'accept': 'text/html', 'sec-fetch-dest': 'empty' }), 'unauthorized')
    await expect401(await get('/members/x', { accept: 'application/json' }), 'unauthorized')
  })

  it('[ROUTE-2] with a live refresh cookie the page renders (200 HTML) and the cookie is not consumed', async () => {
    const session = await loginSession(baseUrl, 'bob')
    const response = await send(url('/members'), { headers: page, jar: session.jar })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await response.text()
    expect(html).toContain('data-testid="members"')
    // No token in the HTML.
    expect(html).not.toContain(session.refreshToken)
    expect(html).not.toContain(session.refreshToken.split('.')[1])
    expect(html).not.toContain(session.token)
    // Read-only lookup: no rotation happened, the same cookie still refreshes.
    expect(response.headers.getSetCookie().join('\n')).not.toContain(REFRESH_COOKIE)
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(200)
  })

  it('[ROUTE-2] a protected server route never answers on the refresh cookie: a page load of /api/protected/whoami with a live session and no Bearer → 401 JSON', async () => {
    const session = await loginSession(baseUrl, 'bob')
    // Control: the same cookie does open a protected page.
    expect((await send(url('/members'), { headers: page, jar: session.jar })).status).toBe(200)
    for (const headers of [page, { accept: 'text/html' }, { 'sec-fetch-dest': 'document' }] as Record<string, string>[]) {
      for (const path of ['/api/protected/whoami', '/api/protected/whoami?x=1', '/api/protected/whoami/']) {
        const response = await send(url(path), { headers, jar: session.jar })
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401)
        expect(response.headers.get('location')).toBeNull()
        expect(setCookie(response, REFRESH_COOKIE)).toBeUndefined()
        await expect401(response, 'unauthorized')
      }
    }
    const head = await send(url('/api/protected/whoami'), { method: 'HEAD', headers: page, jar: session.jar })
    expect(head.status).toBe(401)
    // The cookie was only looked at: it still refreshes.
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(200)
  })

  it('[ROUTE-2] a revoked, rotated or garbage refresh cookie does not open the page', async () => {
    const session = await loginSession(baseUrl, 'bob')
    const old = session.refreshToken
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(200)
    for (const value of [old, 'garbage', `${old.split('.')[0]}.${'A'.repeat(43)}`]) {
      const jar = new CookieJar()
      jar.set(REFRESH_COOKIE, value)
      const response = await send(url('/members'), { headers: page, jar })
      expect(response.status, value === old ? 'rotated token' : value).toBe(302)
    }
    expect((await postWithCookie(baseUrl, '/auth/logout', session.jar)).status).toBe(204)
    const jar = new CookieJar()
    jar.set(REFRESH_COOKIE, session.refreshToken)
    expect((await send(url('/members'), { headers: page, jar })).status).toBe(302)
  })

  it('[ROUTE-3] auth routes are exempt: the login start and /auth/error work without a session', async () => {
    expect((await get('/auth/mock?user=alice', page)).status).toBe(302)
    const error = await get('/auth/error?error=access_denied', page)
    expect(error.status).toBe(200)
    expect(await error.text()).not.toContain('/login?redirectTo')
  })
})
