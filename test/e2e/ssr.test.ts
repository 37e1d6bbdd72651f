/**
 * The server render over real HTTP: full page loads look the refresh cookie up read-only and
 * render the user (or a guest) into the HTML; nothing is rotated, set or leaked, and pages
 * rendered for a user are private. With ssrSession off there is no lookup for the state.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CookieJar, LEGACY_REFRESH_COOKIE, REFRESH_COOKIE, hookCalls, loginSession, postWithCookie, send } from '../support/http'
import { rewriteFamily } from '../support/storage'
import type { Session } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'

const baseUrl = inject('baseUrl')
const USER_NAME = 'Alice Fixture (via onUserInfo)'
/** Headers of a browser's full page load. */
const PAGE = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

/** A full page load of `path`, with the jar's cookies (if any). */
function load(server: string, path: string, jar?: CookieJar): Promise<Response> {
  return send(new URL(path, server), { headers: PAGE, jar })
}

/** The status the server rendered into the page (`data-testid="status"`). */
function renderedStatus(html: string): string | undefined {
  return /data-testid="status"[^>]*>([^<]*)</.exec(html)?.[1]?.trim()
}

/** A jar holding only a refresh cookie with this value. */
function jarWith(value: string): CookieJar {
  const jar = new CookieJar()
  jar.set(REFRESH_COOKIE, value)
  return jar
}

describe('[CLIENT-5] the SSR session lookup', () => {
  it('[CLIENT-5] an anonymous page load gets no Set-Cookie at all and renders as guest', async () => {
    for (const path of ['/', '/foreign-fetch', '/login']) {
      const response = await load(baseUrl, path)
      expect(response.status, path).toBe(200)
      expect(response.headers.getSetCookie(), path).toEqual([])
      expect(response.headers.get('cache-control') ?? '', path).not.toContain('private')
      const html = await response.text()
      if (path !== '/login') expect(renderedStatus(html), path).toBe('guest')
      expect(html).not.toContain(USER_NAME)
    }
    // The redirect away from a protected page sets nothing either.
    const members = await load(baseUrl, '/members')
    expect(members.status).toBe(302)
    expect(members.headers.getSetCookie()).toEqual([])
  })

  it('[CLIENT-5] a garbage, unknown, mismatched, rotated or revoked refresh cookie: still no Set-Cookie, and a guest', async () => {
    const rotated = await loginSession(baseUrl, 'alice')
    const old = rotated.refreshToken
    expect((await postWithCookie(baseUrl, '/auth/refresh', rotated.jar)).status).toBe(200)
    const revoked = await loginSession(baseUrl, 'alice')
    expect((await postWithCookie(baseUrl, '/auth/logout', revoked.jar)).status).toBe(204)
    const cookies = {
      'garbage': 'garbage',
      'well-formed but unknown': `${'A'.repeat(22)}.${'B'.repeat(43)}`,
      'a live id with a wrong secret': `${rotated.jar.get(REFRESH_COOKIE)!.split('.')[0]}.${'C'.repeat(43)}`,
      'rotated': old,
      'revoked': revoked.refreshToken,
    }
    for (const [name, value] of Object.entries(cookies)) {
      const response = await load(baseUrl, '/', jarWith(value))
      expect(response.status, name).toBe(200)
      // Not even a deletion: the lookup is read-only, /auth/refresh is where cookies change.
      expect(response.headers.getSetCookie(), name).toEqual([])
      expect(response.headers.get('cache-control') ?? '', name).not.toContain('private')
      const html = await response.text()
      expect(renderedStatus(html), name).toBe('guest')
      expect(html, name).not.toContain(USER_NAME)
    }
    // The session behind the rotated cookie is untouched: its current cookie still refreshes.
    expect((await postWithCookie(baseUrl, '/auth/refresh', rotated.jar)).status).toBe(200)
  })

  it('[CLIENT-5] a live refresh cookie renders the user, private and no-store, without rotating or setting anything', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await load(baseUrl, '/', session.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(response.headers.getSetCookie()).toEqual([])
    const html = await response.text()
    expect(renderedStatus(html)).toBe('authenticated')
    expect(html).toContain(USER_NAME)
    for (const secret of [session.token, session.token.split('.')[2]!, session.refreshToken, session.refreshToken.split('.')[1]!]) {
      expect(html.includes(secret)).toBe(false)
    }
    // Read-only: the cookie the page was rendered with is still the live one.
    expect(session.jar.get(REFRESH_COOKIE)).toBe(session.refreshToken)
    expect((await postWithCookie(baseUrl, '/auth/refresh', session.jar)).status).toBe(200)
  })
})

describe('[CLIENT-5] NUXT_AEGIS_SSR_SESSION=false', () => {
  let server: RunningServer
  let session: Session

  /** Reads of the refresh-token storage so far (the fixture counts them with AEGIS_TEST_COUNT_READS=1). */
  async function reads(): Promise<number> {
    return (await hookCalls(server.url)).filter(call => call.name === 'storage:read').length
  }

  beforeAll(async () => {
    server = await startServer({
      NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
      NUXT_AEGIS_SSR_SESSION: 'false',
      AEGIS_TEST_COUNT_READS: '1',
    })
    session = await loginSession(server.url, 'alice')
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('[CLIENT-5] a logged-in cookie still renders "unknown": no lookup, no user, not marked private', async () => {
    const before = await reads()
    const response = await load(server.url, '/', session.jar)
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control') ?? '').not.toContain('private')
    const html = await response.text()
    expect(renderedStatus(html)).toBe('unknown')
    expect(html).not.toContain(USER_NAME)
    // The guest-only login page is rendered too: the server does not know who is there.
    expect((await load(server.url, '/login', session.jar)).status).toBe(200)
    // Anonymous: unknown as well (the browser finds out).
    expect(renderedStatus(await (await load(server.url, '/')).text())).toBe('unknown')
    expect(await reads()).toBe(before)
  })

  it('[CLIENT-5] protected pages still check the cookie (control: the read counter sees that lookup)', async () => {
    const before = await reads()
    const members = await load(server.url, '/members', session.jar)
    expect(members.status).toBe(200)
    expect(members.headers.getSetCookie()).toEqual([])
    expect(await reads()).toBeGreaterThan(before)
    const anonymous = await load(server.url, '/members')
    expect(anonymous.status).toBe(302)
    expect(new URL(anonymous.headers.get('location')!, server.url).pathname).toBe('/login')
    // The cookie was only read: it still refreshes.
    expect((await postWithCookie(server.url, '/auth/refresh', session.jar)).status).toBe(200)
  })
})

describe('[CLIENT-4] SSR page protection', () => {
  it('[CLIENT-4] with a live session a full load of /members is 200 HTML that already shows the user', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await load(baseUrl, '/members', session.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('location')).toBeNull()
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(await response.text()).toMatch(new RegExp(`data-testid="members"[^>]*>\\s*members area of ${USER_NAME.replace(/[()]/g, '\\$&')}\\s*<`))
  })

  it('[CLIENT-4] a logged-in full load of the guest-only /login is redirected to / by the server', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await load(baseUrl, '/login', session.jar)
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location')!, baseUrl)
    expect(location.origin).toBe(new URL(baseUrl).origin)
    expect(location.pathname).toBe('/')
    expect(location.search).toBe('')
    expect(await response.text()).not.toContain('data-testid="login-alice"')
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('[CLIENT-4] after logout a full load of /members is sent to /login?redirectTo=/members', async () => {
    const session = await loginSession(baseUrl, 'alice')
    expect((await load(baseUrl, '/members', session.jar)).status).toBe(200)
    expect((await postWithCookie(baseUrl, '/auth/logout', session.jar)).status).toBe(204)
    expect(session.jar.get(REFRESH_COOKIE)).toBeUndefined()
    // Without the cookie (as the browser is now) and with the revoked cookie replayed.
    for (const jar of [session.jar, jarWith(session.refreshToken)]) {
      const response = await load(baseUrl, '/members', jar)
      expect(response.status).toBe(302)
      const location = new URL(response.headers.get('location')!, baseUrl)
      expect(location.pathname).toBe('/login')
      expect(location.searchParams.get('redirectTo')).toBe('/members')
      expect(await response.text()).not.toContain(USER_NAME)
    }
    // The guest-only login page now renders for them.
    expect((await load(baseUrl, '/login', session.jar)).status).toBe(200)
  })
})

describe('[SES-14] the SSR session and the unprefixed (old) cookie name', () => {
  const legacyJar = (token: string) => {
    const jar = new CookieJar()
    jar.set(LEGACY_REFRESH_COOKIE, token)
    return jar
  }

  it('[SES-14] a live token issued under __Host-, tossed in under the old name, renders no user (login CSRF)', async () => {
    const attacker = await loginSession(baseUrl, 'bob')
    const members = await load(baseUrl, '/members', legacyJar(attacker.refreshToken))
    expect(members.status).toBe(302)
    expect(new URL(members.headers.get('location')!, baseUrl).pathname).toBe('/login')
    expect(await members.text()).not.toContain('Bob Fixture')
    const home = await load(baseUrl, '/', legacyJar(attacker.refreshToken))
    expect(home.status).toBe(200)
    const html = await home.text()
    expect(renderedStatus(html)).toBe('guest')
    expect(html).not.toContain('Bob Fixture')
    // Control: under its own name the same token is Bob's session.
    expect(await (await load(baseUrl, '/members', attacker.jar)).text()).toContain('Bob Fixture')
  })

  it('[SES-14] a session from before the prefix still renders its user from the old name', async () => {
    const session = await loginSession(baseUrl, 'alice')
    rewriteFamily(session.refreshToken, ({ hostCookie: _, ...family }) => family)
    const response = await load(baseUrl, '/members', legacyJar(session.refreshToken))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain(USER_NAME)
  })
})

describe('[CLIENT-9] routes rendered in the browser only (routeRules ssr: false)', () => {
  let server: RunningServer
  let session: Session
  const reads = async () => (await hookCalls(server.url)).filter(call => call.name === 'storage:read').length

  beforeAll(async () => {
    server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', AEGIS_TEST_COUNT_READS: '1' })
    session = await loginSession(server.url, 'alice')
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('the SPA shell of an unprotected ssr: false page costs no session lookup and stays cacheable', async () => {
    const before = await reads()
    const response = await load(server.url, '/spa', session.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control') ?? '').not.toContain('private')
    expect(await reads()).toBe(before)
    // Control: a server-rendered page with the same cookie does look the session up.
    await load(server.url, '/', session.jar)
    expect(await reads()).toBeGreaterThan(before)
  })

  it('a protected ssr: false page is still guarded on the server', async () => {
    const before = await reads()
    expect((await load(server.url, '/members/spa', session.jar)).status).toBe(200)
    expect(await reads()).toBeGreaterThan(before)
    const anonymous = await load(server.url, '/members/spa')
    expect(anonymous.status).toBe(302)
  })
})
