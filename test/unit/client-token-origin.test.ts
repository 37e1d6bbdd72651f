/**
 * The access token goes only where the request really goes: the client decides on the URL
 * ofetch requests (the input joined onto the effective baseURL by ufo's withBase), parsed as
 * the browser's fetch parses it. The client runs here on a real ofetch instance (as Nuxt's
 * `$fetch.create({ baseURL: app.baseURL })`) whose network fetch only records the request.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFetch } from 'ofetch'
import { createAuthClient, requestTarget } from '../../src/runtime/app/client'

const ORIGIN = 'http://app.test'
const API = 'https://api.example.com'

function jwt(payload: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${encode(payload)}.sig`
}
const TOKEN = jwt({ sub: 'alice', exp: 2_000_000_000 })

interface Sent { url: string, authorization: string | null }

/** A logged-in client on a real ofetch; `sent` holds what reached the network, as fetch() got it. */
async function setup(options: { appBaseURL?: string, apiOrigins?: string[] } = {}) {
  const sent: Sent[] = []
  const network = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    sent.push({ url, authorization: headers.get('authorization') })
    const body = url.endsWith('/auth/refresh') ? { token: TOKEN, tokenType: 'Bearer', expiresIn: 900 } : { ok: true }
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
  }
  const $fetch = createFetch({ fetch: network as typeof fetch }).create({ baseURL: options.appBaseURL ?? '/' })
  const auth = createAuthClient({
    authPath: '/auth',
    automaticRefresh: false,
    onUser: () => {},
    fetch: (url, fetchOptions) => $fetch(url, fetchOptions as never) as never,
    apiOrigins: options.apiOrigins,
    baseURL: options.appBaseURL ?? '/',
  })
  expect(await auth.refresh()).toBe(TOKEN)
  return { auth, sent }
}

/** Where the browser's fetch sends this URL (WHATWG parsing against the page). */
function originOf(url: string): string {
  try {
    return new URL(url, `${ORIGIN}/some/page`).origin
  }
  catch {
    return 'unparsable'
  }
}

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: ORIGIN } })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

// [input, call options, does the request leave for another origin]
const CASES: Array<[string, Record<string, unknown>, boolean]> = [
  // A leading space or control character before a scheme: ufo sees a protocol, keeps the input
  // as it is (no baseURL), and the URL parser trims it away.
  [' https://evil.example/x', { baseURL: '/api' }, true],
  ['\thttps://evil.example', { baseURL: '/api' }, true],
  ['\nhttps://evil.example/x', { baseURL: '/api' }, true],
  ['\rhttps://evil.example/x', { baseURL: '/api' }, true],
  ['\u000Bhttps://evil.example/x', { baseURL: '/api' }, true],
  ['\u000Chttps://evil.example/x', { baseURL: '/api' }, true],
  ['\u0000https://evil.example/x', { baseURL: '/api' }, true],
  ['  \t https://evil.example/x', { baseURL: '/api' }, true],
  [' https://evil.example/x', { baseURL: ORIGIN }, true],
  [' https://evil.example/x', {}, true],
  ['ht\ttps://evil.example/x', { baseURL: '/api' }, true],
  ['https:\t//evil.example/x', { baseURL: '/api' }, true],
  ['HTTPS://EVIL.EXAMPLE/x', { baseURL: '/api' }, true],
  ['https:evil.example/x', { baseURL: '/api' }, true],
  ['https:/evil.example/x', { baseURL: '/api' }, true],
  ['https:\\\\evil.example/x', { baseURL: '/api' }, true],
  // ufo does not see these as a protocol: joined onto the base, they stay on this origin.
  ['\u0001https://evil.example/x', { baseURL: '/api' }, false],
  ['\u00A0https://evil.example/x', { baseURL: '/api' }, false],
  ['\uFEFFhttps://evil.example/x', { baseURL: '/api' }, false],
  // Same scheme as the page without slashes: a relative path of this origin.
  ['http:evil.example/x', { baseURL: '/api' }, false],
  // Protocol-relative and backslashes: abroad alone, joined (so here) with a base.
  ['//evil.example/x', {}, true],
  ['//evil.example/x', { baseURL: '/api' }, false],
  [' //evil.example/x', {}, true],
  [' //evil.example/x', { baseURL: '/api' }, false],
  ['/\\evil.example/x', {}, true],
  ['/\\evil.example/x', { baseURL: '/api' }, false],
  ['\\\\evil.example/x', {}, true],
  ['\\\\evil.example/x', { baseURL: '/api' }, false],
  ['/\t/evil.example/x', {}, true],
  ['/\n/evil.example/x', { baseURL: '' }, true],
  // The base decides for relative inputs.
  ['/v1/me', { baseURL: 'https://evil.example' }, true],
  ['/v1/me', { baseURL: ' https://evil.example' }, true],
  ['/v1/me', { baseURL: '\thttps://evil.example/' }, true],
  ['/v1/me', { baseURL: '//evil.example' }, true],
  ['/v1/me', { baseURL: '\\\\evil.example' }, true],
  ['/v1/me', { baseURL: 'http://app.test.evil.example' }, true],
  ['/v1/me', { baseURL: 'http://evil.example@app.test' }, false],
  ['/v1/me', { baseURL: 'http://app.test@evil.example' }, true],
  ['v1/me', { baseURL: ORIGIN }, false],
  ['/api/me', { baseURL: '/' }, false],
  ['/api/me', { baseURL: '/api' }, false],
  ['/apix/me', { baseURL: '/api' }, false],
  ['?x=1', { baseURL: '/api' }, false],
  [`${ORIGIN}/x`, { baseURL: '/api' }, false],
  [`${ORIGIN}/x`, { baseURL: 'https://evil.example' }, false],
  ['javascript:alert(1)', { baseURL: '/api' }, true],
  ['data:text/plain,x', { baseURL: '/api' }, true],
]

describe('[CLIENT-10] the token decision is made on the URL ofetch requests', () => {
  it.each(CASES)('%j with %j', async (input, options, abroad) => {
    const { auth, sent } = await setup()
    await auth.fetch(input, options).catch(() => {})
    const request = sent.at(-1)!
    expect(request.url).not.toBe('/auth/refresh')
    // The table agrees with where the request really went ...
    expect(originOf(request.url) !== ORIGIN, `${JSON.stringify(request.url)} left for another origin`).toBe(abroad)
    // ... and the token followed that, not the input.
    expect(request.authorization).toBe(abroad ? null : `Bearer ${TOKEN}`)
  })

  it('the default baseURL (app.baseURL) applies when a call gives none, and an own `baseURL: undefined` removes it', async () => {
    const { auth, sent } = await setup({ appBaseURL: '/app/' })
    await auth.fetch('//evil.example/x')
    expect(sent.at(-1)).toEqual({ url: '/app//evil.example/x', authorization: `Bearer ${TOKEN}` })
    await auth.fetch('//evil.example/x', { baseURL: undefined })
    expect(sent.at(-1)).toEqual({ url: '//evil.example/x', authorization: null })
    await auth.fetch(' https://evil.example/x')
    expect(sent.at(-1)).toEqual({ url: ' https://evil.example/x', authorization: null })
  })

  it('apiOrigins: a listed base does not carry the token to an input that leaves it', async () => {
    const { auth, sent } = await setup({ apiOrigins: [API] })
    await auth.fetch('/v1/me', { baseURL: API })
    expect(sent.at(-1)).toEqual({ url: `${API}/v1/me`, authorization: `Bearer ${TOKEN}` })
    for (const input of [' https://evil.example/x', '\thttps://evil.example/x', 'https:evil.example/x']) {
      await auth.fetch(input, { baseURL: API })
      expect(sent.at(-1), JSON.stringify(input)).toEqual({ url: input, authorization: null })
    }
    await auth.fetch(` ${API}/v1/me`, { baseURL: '/api' })
    expect(sent.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('URL and Request objects are judged by their own URL (ofetch ignores baseURL for them)', async () => {
    const { auth, sent } = await setup()
    const call = (input: unknown, options: Record<string, unknown> = {}) => auth.fetch(input as string, options)
    await call(new URL('https://evil.example/x'), { baseURL: '/api' })
    expect(sent.at(-1)?.authorization).toBeNull()
    await call(new Request('https://evil.example/x'), { baseURL: '/api' })
    expect(sent.at(-1)?.authorization).toBeNull()
    await call(new Request(`${ORIGIN}/x`), { baseURL: 'https://evil.example' })
    expect(sent.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`)
    await call(new URL(`${ORIGIN}/x`))
    expect(sent.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('a baseURL that is not a string never gets the token', async () => {
    const { auth, sent } = await setup()
    const before = sent.length
    await auth.fetch(' https://evil.example/x', { baseURL: 42 }).catch(() => {})
    for (const request of sent.slice(before)) expect(request.authorization).toBeNull()
  })

  it('a <base href> on another origin: relative URLs go there, without the token', async () => {
    vi.stubGlobal('document', { baseURI: 'https://cdn.example/assets/' })
    const { auth, sent } = await setup()
    await auth.fetch('api/data', { baseURL: '' })
    expect(sent.at(-1)).toEqual({ url: 'api/data', authorization: null })
    vi.stubGlobal('document', { baseURI: `${ORIGIN}/nested/page` })
    await auth.fetch('api/data', { baseURL: '' })
    expect(sent.at(-1)).toEqual({ url: 'api/data', authorization: `Bearer ${TOKEN}` })
  })

  it('signIn refuses a URL whose request leaves this origin, decided the same way', async () => {
    const { auth } = await setup({ appBaseURL: '/app/' })
    await expect(auth.signIn(' https://evil.example/login', { password: 'x' })).rejects.toThrow(/only go to this origin/)
    await expect(auth.signIn('https:evil.example/login', { password: 'x' })).rejects.toThrow(/only go to this origin/)
    await expect(auth.signIn('/auth/password/login', { password: 'x' })).resolves.toEqual({ ok: true })
  })
})

describe('[CLIENT-10] requestTarget', () => {
  it.each([
    [' https://evil.example/x', '/api', ' https://evil.example/x'],
    ['//evil.example/x', '/api', '/api//evil.example/x'],
    ['/x', 'https://api.example.com/', 'https://api.example.com/x'],
    ['/api/x', '/api', '/api/x'],
    ['/x', undefined, '/x'],
    ['/x', '', '/x'],
    ['/x', '/', '/x'],
  ])('%j on %j is %j', (input, base, expected) => {
    expect(requestTarget(input, base)).toBe(expected)
  })

  it('nothing to decide on for a non-string base or input', () => {
    expect(requestTarget('/x', 42)).toBeUndefined()
    expect(requestTarget(42, '/api')).toBeUndefined()
    expect(requestTarget(new URL('https://a.example/x'), '/api')).toBe('https://a.example/x')
  })
})
