/**
 * The session hint cookie over real HTTP: a script-readable `1` that lives and dies with the
 * HttpOnly refresh cookie (login, rotation, logout, a refused or replayed cookie, a hint without a
 * cookie), never a token, and only on responses that are about one browser (never on an
 * anonymous or cached page).
 */
import { describe, expect, inject, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, isDeletion, loginSession, postWithCookie, send, setCookie, setCookies } from '../support/http'
import type { SetCookie } from '../support/http'

const baseUrl = inject('baseUrl')
const HINT = `${REFRESH_COOKIE}-hint`
const PAGE = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

const load = (path: string, jar?: CookieJar) => send(new URL(path, baseUrl), { headers: PAGE, jar })
const refresh = (jar: CookieJar) => postWithCookie(baseUrl, '/auth/refresh', jar)

function jarWith(cookies: Record<string, string>): CookieJar {
  const jar = new CookieJar()
  for (const [name, value] of Object.entries(cookies)) jar.set(name, value)
  return jar
}

/** The hint is the refresh cookie's twin: same lifetime, Secure and SameSite, but readable and on every path. */
function expectTwins(hint: SetCookie | undefined, cookie: SetCookie | undefined) {
  expect(hint, 'hint set').toBeDefined()
  expect(cookie, 'refresh cookie set').toBeDefined()
  expect(hint!.value).toBe('1')
  expect(hint!.attributes.httponly).toBeUndefined()
  expect(cookie!.attributes.httponly).toBe(true)
  expect(hint!.attributes.path).toBe('/')
  expect(hint!.attributes.secure).toBe(true)
  expect(hint!.attributes.domain).toBeUndefined()
  expect(hint!.attributes.samesite).toBe(cookie!.attributes.samesite)
  expect(hint!.attributes['max-age']).toBe(cookie!.attributes['max-age'])
  expect(Number(hint!.attributes['max-age'])).toBeGreaterThan(0)
}

describe('[PERF-2] the session hint follows the refresh cookie', () => {
  it('login and every rotation set it with the refresh cookie\'s lifetime; it is `1`, never a token', async () => {
    const session = await loginSession(baseUrl, 'alice')
    expect(session.jar.get(HINT)).toBe('1')
    const rotated = await refresh(session.jar)
    expect(rotated.status).toBe(200)
    expectTwins(setCookie(rotated, HINT), setCookie(rotated, REFRESH_COOKIE))
    for (const cookie of setCookies(rotated)) {
      if (cookie.name !== REFRESH_COOKIE) expect(cookie.value).not.toContain(session.jar.get(REFRESH_COOKIE)!.split('.')[1]!)
    }
  })

  it('logout clears both', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await postWithCookie(baseUrl, '/auth/logout', session.jar)
    expect(response.status).toBe(204)
    expect(isDeletion(setCookie(response, REFRESH_COOKIE)!)).toBe(true)
    expect(isDeletion(setCookie(response, HINT)!)).toBe(true)
    expect(setCookie(response, HINT)!.attributes.path).toBe('/')
  })

  it('a refused cookie (garbage, or replayed after rotation: reuse revokes the family) clears both', async () => {
    const garbage = await refresh(jarWith({ [REFRESH_COOKIE]: 'garbage', [HINT]: '1' }))
    expect(garbage.status).toBe(401)
    expect(isDeletion(setCookie(garbage, REFRESH_COOKIE)!)).toBe(true)
    expect(isDeletion(setCookie(garbage, HINT)!)).toBe(true)

    const session = await loginSession(baseUrl, 'alice')
    const first = session.refreshToken
    expect((await refresh(session.jar)).status).toBe(200)
    expect((await refresh(session.jar)).status).toBe(200)
    const replay = await refresh(jarWith({ [REFRESH_COOKIE]: first, [HINT]: '1' }))
    expect(replay.status).toBe(401)
    expect(isDeletion(setCookie(replay, REFRESH_COOKIE)!)).toBe(true)
    expect(isDeletion(setCookie(replay, HINT)!)).toBe(true)
  })

  it('a hint that outlived its refresh cookie: one 401 that clears it', async () => {
    const response = await refresh(jarWith({ [HINT]: '1' }))
    expect(response.status).toBe(401)
    expect(isDeletion(setCookie(response, HINT)!)).toBe(true)
    // Without a hint there is nothing to clear: no Set-Cookie at all.
    const bare = await refresh(new CookieJar())
    expect(bare.status).toBe(401)
    expect(bare.headers.getSetCookie()).toEqual([])
  })
})

describe('[PERF-2] page loads and the hint', () => {
  it('a live session without a hint (from before the hint existed) gets one on its private page, and nothing else', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const withoutHint = jarWith({ [REFRESH_COOKIE]: session.refreshToken })
    const response = await load('/', withoutHint)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(setCookies(response).map(cookie => cookie.name)).toEqual([HINT])
    const hint = setCookie(response, HINT)!
    expect(hint.value).toBe('1')
    expect(hint.attributes.httponly).toBeUndefined()
    expect(hint.attributes.path).toBe('/')
    // With the hint, a page load sets nothing.
    const again = await load('/', session.jar)
    expect(again.headers.getSetCookie()).toEqual([])
  })

  it('anonymous, refused-cookie and cached pages never get it', async () => {
    expect((await load('/')).headers.getSetCookie()).toEqual([])
    expect((await load('/', jarWith({ [REFRESH_COOKIE]: 'garbage' }))).headers.getSetCookie()).toEqual([])
    const session = await loginSession(baseUrl, 'alice')
    // A caching route (swr) renders once for everyone: no session lookup, no cookie.
    const cached = await load('/cached', jarWith({ [REFRESH_COOKIE]: session.refreshToken }))
    expect(cached.status).toBe(200)
    expect(cached.headers.getSetCookie()).toEqual([])
  })
})
