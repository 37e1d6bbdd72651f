/**
 * Pages under Nitro cache rules (`swr`, `cache`, `isr`; the fixture has `swr: 60` on /cached,
 * /members/cached and /cached-account). One render is stored and served to everyone after, so
 * nothing rendered there may be about (or only for) the user who asked first.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { decodeJwt, loginSession, send } from '../support/http'
import type { Session, CookieJar } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'

const baseUrl = inject('baseUrl')
/** Headers of a browser's full page load. */
const PAGE = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

function load(server: string, path: string, jar?: CookieJar): Promise<Response> {
  return send(new URL(path, server), { headers: PAGE, jar })
}

/** A URL of its own per test: Nitro's cache key includes the query, so no test sees another's entry. */
const fresh = (path: string) => `${path}?run=${Math.random().toString(36).slice(2)}`

/** The values of the user's claims that a page could render (name, email, sub). */
function userData(session: Session): string[] {
  const claims = decodeJwt(session.token)
  const values = [claims.name, claims.email, claims.sub].filter((value): value is string => typeof value === 'string' && value !== '')
  expect(values).toHaveLength(3)
  return values
}

function expectNone(text: string, values: string[], label: string) {
  for (const value of values) expect(text.includes(value), `${label} contains ${value}`).toBe(false)
}

describe('[CLIENT-11] a public page under a swr rule', () => {
  it('rendered for user A, it is never served with A\'s data to an anonymous request (HTML and payload)', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const data = userData(alice)
    const url = fresh('/cached')
    const forAlice = await load(baseUrl, url, alice.jar)
    expect(forAlice.status).toBe(200)
    // No SSR session on a cached route: even A's own response has no user in it (the browser finds out).
    expectNone(await forAlice.text(), data, 'the page rendered with A\'s cookie')
    const anonymous = await load(baseUrl, url)
    expect(anonymous.status).toBe(200)
    const html = await anonymous.text()
    expect(html).toContain('data-testid="cached-user"')
    expectNone(html, data, 'the page served to an anonymous request')
    // The payload the browser fetches for the same route.
    const payloadUrl = new URL(url, baseUrl)
    payloadUrl.pathname = '/cached/_payload.json'
    for (const jar of [alice.jar, undefined]) {
      const payload = await send(payloadUrl, { jar })
      expectNone(await payload.text(), data, 'the payload')
    }
  })

  it('stays cacheable: no private header and no session lookup make it per user', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const response = await load(baseUrl, fresh('/cached'), alice.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control') ?? '').not.toContain('private')
    expect(response.headers.getSetCookie()).toEqual([])
  })
})

describe('[CLIENT-11] a site-wide `\'/**\': { swr: 60 }`', () => {
  let server: RunningServer

  beforeAll(async () => {
    // The same rule as `routeRules: { '/**': { swr: 60 } }` in nuxt.config (Nitro reads its route
    // rules from the runtime config, so NUXT_NITRO_ROUTE_RULES adds one to this server only).
    server = await startServer({
      NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
      NUXT_NITRO_ROUTE_RULES: JSON.stringify({ '/**': { cache: { swr: true, maxAge: 60 } } }),
    })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('control: the rule is in force (a page is answered from the cache)', async () => {
    const response = await load(server.url, fresh('/'))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toMatch(/s-maxage=60/)
  })

  it('the home page rendered for user A is never served with A\'s data to an anonymous request', async () => {
    const alice = await loginSession(server.url, 'alice')
    const data = userData(alice)
    const url = fresh('/')
    const forAlice = await load(server.url, url, alice.jar)
    expect(forAlice.status).toBe(200)
    expectNone(await forAlice.text(), data, 'the page rendered with A\'s cookie')
    const anonymous = await load(server.url, url)
    expect(anonymous.status).toBe(200)
    const html = await anonymous.text()
    expect(html).toContain('data-testid="status"')
    expectNone(html, data, 'the page served to an anonymous request')
  })

  it('a protected page rendered for A is private, no-store, and never served to the next visitor', async () => {
    const alice = await loginSession(server.url, 'alice')
    const url = fresh('/members')
    const forAlice = await load(server.url, url, alice.jar)
    expect(forAlice.status).toBe(200)
    expect(forAlice.headers.get('cache-control')).toBe('private, no-store')
    const anonymous = await load(server.url, url)
    expect(anonymous.status).toBe(302)
    expect(await anonymous.text()).not.toContain('data-testid="members"')
  })
})

describe('[ROUTE-6] a protected page under its own swr rule answers like a page', () => {
  it('a logged-in full load is the HTML page, private and no-store (never the API routes\' 401 JSON)', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const response = await load(baseUrl, fresh('/members/cached'), alice.jar)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    const html = await response.text()
    expect(html).toContain('data-testid="cached-members"')
    expectNone(html, userData(alice), 'the cached protected page')
  })

  it('an anonymous full load is redirected to the login page, before and after a user\'s render', async () => {
    const url = fresh('/members/cached')
    const alice = await loginSession(baseUrl, 'alice')
    for (const jar of [undefined, alice.jar, undefined]) {
      const response = await load(baseUrl, url, jar)
      if (jar) {
        expect(response.status).toBe(200)
        continue
      }
      expect(response.status).toBe(302)
      const location = new URL(response.headers.get('location')!, baseUrl)
      expect(location.pathname).toBe('/login')
      expect(location.searchParams.get('redirectTo')).toBe(url)
      expect(await response.text()).not.toContain('data-testid="cached-members"')
    }
  })

  it('an API call (no page navigation) without a token still gets the 401 JSON', async () => {
    const response = await send(new URL('/members/cached', baseUrl), { headers: { accept: 'application/json' } })
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toMatch(/json/)
  })
})

describe('[CLIENT-11] a page protected by its page meta under a swr rule', () => {
  it('neither a user\'s render nor an anonymous redirect is stored for the next visitor', async () => {
    const url = fresh('/cached-account')
    const alice = await loginSession(baseUrl, 'alice')
    const anonymousFirst = await load(baseUrl, url)
    expect(anonymousFirst.status).toBe(302)
    expect(anonymousFirst.headers.get('cache-control')).toBe('private, no-store')
    const forAlice = await load(baseUrl, url, alice.jar)
    expect(forAlice.status).toBe(200)
    expect(forAlice.headers.get('cache-control')).toBe('private, no-store')
    expect(await forAlice.text()).toContain('data-testid="cached-account"')
    const anonymousAfter = await load(baseUrl, url)
    expect(anonymousAfter.status).toBe(302)
    expect(await anonymousAfter.text()).not.toContain('data-testid="cached-account"')
  })
})

describe('[CLIENT-11] NUXT_AEGIS_SSR_SESSION=false: protected pages rendered for a user are still private', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_SSR_SESSION: 'false' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('/members and /members/cached carry private, no-store; a public page does not', async () => {
    const alice = await loginSession(server.url, 'alice')
    for (const path of ['/members', fresh('/members/cached')]) {
      const response = await load(server.url, path, alice.jar)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('cache-control'), path).toBe('private, no-store')
    }
    const home = await load(server.url, '/', alice.jar)
    expect(home.status).toBe(200)
    expect(home.headers.get('cache-control') ?? '').not.toContain('private')
  })
})
