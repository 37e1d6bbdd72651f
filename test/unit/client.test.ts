import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, decodeClaims, isSameOrigin } from '../../src/runtime/app/client'
import type { AegisClaims, TokenResponse } from '../../src/runtime/types'

const ORIGIN = 'http://app.test'

/** An unsigned JWT-shaped token: the client only reads the payload. */
function jwt(payload: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part(payload)}.signature`
}

function httpError(statusCode: number) {
  return Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, status: statusCode })
}

interface Call { url: string, options: Record<string, unknown> | undefined }

/**
 * A fake `$fetch`: `routes` answers by URL (a value, an Error to throw, or a function for
 * per-call answers); every call is recorded with the Authorization header it carried.
 */
function fakeFetch(routes: Record<string, unknown | ((call: Call, n: number) => unknown)>) {
  const calls: Call[] = []
  const counts: Record<string, number> = {}
  const fetch = vi.fn(async (url: string, options?: Record<string, unknown>) => {
    calls.push({ url, options })
    counts[url] = (counts[url] ?? 0) + 1
    const route = routes[url]
    const answer = typeof route === 'function' ? (route as (c: Call, n: number) => unknown)({ url, options }, counts[url]!) : route
    if (answer instanceof Error) throw answer
    if (answer === undefined) throw httpError(404)
    return answer
  })
  const auth = (call: Call | undefined) => {
    const headers = call?.options?.headers
    return headers ? new Headers(headers as HeadersInit).get('authorization') : null
  }
  return { fetch: fetch as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>, calls, auth }
}

function tokenResponse(sub = 'alice', extra: Record<string, unknown> = {}): TokenResponse {
  return { token: jwt({ sub, provider: 'mock', exp: 2_000_000_000, ...extra }), tokenType: 'Bearer', expiresIn: 900 }
}

function client(fetch: ReturnType<typeof fakeFetch>['fetch']) {
  const users: Array<AegisClaims | null> = []
  const auth = createAuthClient({ authPath: '/auth', fetch, automaticRefresh: false, onUser: user => users.push(user) })
  return { auth, users }
}

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: ORIGIN } })
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('[CLIENT-3] refresh', () => {
  it('stores the token in memory and reports the user', async () => {
    const response = tokenResponse('alice', { name: 'Alice' })
    const f = fakeFetch({ '/auth/refresh': response })
    const { auth, users } = client(f.fetch)
    expect(auth.getToken()).toBeNull()
    expect(await auth.refresh()).toBe(response.token)
    expect(auth.getToken()).toBe(response.token)
    expect(users).toEqual([expect.objectContaining({ sub: 'alice', name: 'Alice' })])
    expect(f.calls[0]).toMatchObject({ url: '/auth/refresh', options: { method: 'POST', credentials: 'same-origin' } })
  })

  it('concurrent refresh() calls share one request', async () => {
    let release!: (value: TokenResponse) => void
    const f = fakeFetch({ '/auth/refresh': () => new Promise<TokenResponse>((resolve) => {
      release = resolve
    }) })
    const { auth } = client(f.fetch)
    const pending = [auth.refresh(), auth.refresh(), auth.refresh(), auth.refresh()]
    const response = tokenResponse()
    release(response)
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 4 }, () => response.token))
    expect(f.calls).toHaveLength(1)
    // Once settled, the next refresh is a new request.
    release = () => {}
    const next = auth.refresh()
    release(tokenResponse('bob'))
    await next
    expect(f.calls).toHaveLength(2)
  })

  it('a 401 means the session is gone: onUser(null), resolves null, token cleared', async () => {
    let n = 0
    const f = fakeFetch({ '/auth/refresh': () => (++n === 1 ? tokenResponse() : httpError(401)) })
    const { auth, users } = client(f.fetch)
    await auth.refresh()
    expect(auth.getToken()).not.toBeNull()
    await expect(auth.refresh()).resolves.toBeNull()
    expect(users.at(-1)).toBeNull()
    expect(auth.getToken()).toBeNull()
  })

  it('a 403 is treated like a 401', async () => {
    const f = fakeFetch({ '/auth/refresh': httpError(403) })
    const { auth, users } = client(f.fetch)
    await expect(auth.refresh()).resolves.toBeNull()
    expect(users).toEqual([null])
  })

  it('a 503 rejects and keeps the user and token', async () => {
    let n = 0
    const first = tokenResponse()
    const f = fakeFetch({ '/auth/refresh': () => (++n === 1 ? first : httpError(503)) })
    const { auth, users } = client(f.fetch)
    await auth.refresh()
    await expect(auth.refresh()).rejects.toMatchObject({ statusCode: 503 })
    expect(users).toEqual([expect.objectContaining({ sub: 'alice' })])
    expect(auth.getToken()).toBe(first.token)
    // And a failed refresh does not block the next one.
    await expect(auth.refresh()).rejects.toMatchObject({ statusCode: 503 })
    expect(f.calls).toHaveLength(3)
  })

  it('a network error rejects and does not log the user out', async () => {
    const f = fakeFetch({ '/auth/refresh': new TypeError('Failed to fetch') })
    const { auth, users } = client(f.fetch)
    await expect(auth.refresh()).rejects.toThrow('Failed to fetch')
    expect(users).toEqual([])
  })

  it('automaticRefresh schedules a refresh before exp', async () => {
    vi.useFakeTimers()
    const f = fakeFetch({ '/auth/refresh': tokenResponse() })
    const auth = createAuthClient({ authPath: '/auth', fetch: f.fetch, automaticRefresh: true, onUser: () => {} })
    await auth.refresh()
    await vi.advanceTimersByTimeAsync(839_000)
    expect(f.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(f.calls).toHaveLength(2)
    await auth.logout().catch(() => {})
    await vi.advanceTimersByTimeAsync(2_000_000)
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(2)
  })
})

describe('[CLIENT-3] exchange and logout', () => {
  it('exchange posts the code and accepts the token', async () => {
    const response = { ...tokenResponse(), redirectTo: '/next' }
    const f = fakeFetch({ '/auth/token': response })
    const { auth, users } = client(f.fetch)
    expect(await auth.exchange('the-code')).toEqual(response)
    expect(f.calls[0]).toMatchObject({ url: '/auth/token', options: { method: 'POST', body: { code: 'the-code' } } })
    expect(auth.getToken()).toBe(response.token)
    expect(users).toHaveLength(1)
  })

  it('logout clears the user even when the request fails', async () => {
    const f = fakeFetch({ '/auth/refresh': tokenResponse(), '/auth/logout': httpError(503) })
    const { auth, users } = client(f.fetch)
    await auth.refresh()
    await expect(auth.logout()).rejects.toMatchObject({ statusCode: 503 })
    expect(auth.getToken()).toBeNull()
    expect(users.at(-1)).toBeNull()
  })
})

describe('[CLIENT-3] fetch attaches the token to same-origin calls only', () => {
  async function loggedIn(routes: Record<string, unknown> = {}) {
    const f = fakeFetch({ '/auth/refresh': tokenResponse(), ...routes })
    const { auth, users } = client(f.fetch)
    const token = (await auth.refresh())!
    return { f, auth, users, token }
  }

  it.each(['/api/data', `${ORIGIN}/api/data`, 'api/data', '?x=1', 'HTTP://APP.TEST/api/data'])('attaches Authorization to %s', async (url) => {
    const { f, auth, token } = await loggedIn({ [url]: { ok: true } })
    expect(await auth.fetch(url)).toEqual({ ok: true })
    expect(f.auth(f.calls.at(-1))).toBe(`Bearer ${token}`)
  })

  it.each([
    'https://evil.test/x',
    '//evil.test/x',
    '/\\evil.test/x',
    '\\\\evil.test/x',
    'http://app.test.evil.test/x',
    'http://app.test:8080/x',
    'https://app.test/x',
    'http://evil.test@app.evil/x',
    '/\t/evil.test/x',
    '/\n/evil.test/x',
    ' //evil.test/x',
    'javascript:alert(1)',
    'data:text/plain,x',
  ])('never attaches Authorization to %j', async (url) => {
    const { f, auth } = await loggedIn({ [url]: { ok: true } })
    await auth.fetch(url)
    expect(f.auth(f.calls.at(-1))).toBeNull()
  })

  it('keeps the caller\'s own headers and options', async () => {
    const { f, auth, token } = await loggedIn({ '/api/data': { ok: true } })
    await auth.fetch('/api/data', { method: 'POST', headers: { 'x-trace': '1' }, body: { a: 1 } })
    const call = f.calls.at(-1)!
    expect(call.options).toMatchObject({ method: 'POST', body: { a: 1 } })
    const headers = new Headers(call.options!.headers as HeadersInit)
    expect(headers.get('x-trace')).toBe('1')
    expect(headers.get('authorization')).toBe(`Bearer ${token}`)
  })

  it('without a token nothing is attached', async () => {
    const f = fakeFetch({ '/api/data': { ok: true } })
    const { auth } = client(f.fetch)
    await auth.fetch('/api/data')
    expect(f.auth(f.calls[0])).toBeNull()
  })

  it('on the server (no window) nothing is attached', async () => {
    const { f, auth } = await loggedIn({ '/api/data': { ok: true } })
    vi.unstubAllGlobals()
    expect(typeof window).toBe('undefined')
    await auth.fetch('/api/data')
    expect(f.auth(f.calls.at(-1))).toBeNull()
  })
})

describe('[CLIENT-3] fetch retries once after a 401', () => {
  it('refreshes once and retries once with the new token', async () => {
    const tokens = [tokenResponse('alice', { v: 1 }), tokenResponse('alice', { v: 2 })]
    let refreshes = 0
    const f = fakeFetch({
      '/auth/refresh': () => tokens[refreshes++],
      '/api/data': (_call: Call, n: number) => (n === 1 ? httpError(401) : { ok: true }),
    })
    const { auth } = client(f.fetch)
    await auth.refresh()
    expect(await auth.fetch('/api/data')).toEqual({ ok: true })
    const dataCalls = f.calls.filter(c => c.url === '/api/data')
    expect(dataCalls).toHaveLength(2)
    expect(f.auth(dataCalls[0])).toBe(`Bearer ${tokens[0]!.token}`)
    expect(f.auth(dataCalls[1])).toBe(`Bearer ${tokens[1]!.token}`)
    expect(refreshes).toBe(2)
  })

  it('a second 401 propagates: no loop', async () => {
    const f = fakeFetch({ '/auth/refresh': () => tokenResponse(), '/api/data': httpError(401) })
    const { auth } = client(f.fetch)
    await auth.refresh()
    await expect(auth.fetch('/api/data')).rejects.toMatchObject({ statusCode: 401 })
    expect(f.calls.filter(c => c.url === '/api/data')).toHaveLength(2)
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(2)
  })

  it('when the refresh fails, the original 401 propagates without a retry', async () => {
    let n = 0
    const f = fakeFetch({ '/auth/refresh': () => (++n === 1 ? tokenResponse() : httpError(401)), '/api/data': httpError(401) })
    const { auth, users } = client(f.fetch)
    await auth.refresh()
    await expect(auth.fetch('/api/data')).rejects.toMatchObject({ statusCode: 401 })
    expect(f.calls.filter(c => c.url === '/api/data')).toHaveLength(1)
    expect(users.at(-1)).toBeNull()
  })

  it('a refresh that errors (503) also ends in the original 401', async () => {
    let n = 0
    const f = fakeFetch({ '/auth/refresh': () => (++n === 1 ? tokenResponse() : httpError(503)), '/api/data': httpError(401) })
    const { auth } = client(f.fetch)
    await auth.refresh()
    await expect(auth.fetch('/api/data')).rejects.toMatchObject({ statusCode: 401 })
    expect(f.calls.filter(c => c.url === '/api/data')).toHaveLength(1)
  })

  it('a 401 from a foreign origin never triggers a refresh', async () => {
    const f = fakeFetch({ '/auth/refresh': () => tokenResponse(), 'https://evil.test/x': httpError(401) })
    const { auth } = client(f.fetch)
    await auth.refresh()
    await expect(auth.fetch('https://evil.test/x')).rejects.toMatchObject({ statusCode: 401 })
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(1)
    expect(f.calls.filter(c => c.url === 'https://evil.test/x')).toHaveLength(1)
  })

  it('other errors are not retried', async () => {
    const f = fakeFetch({ '/auth/refresh': () => tokenResponse(), '/api/data': httpError(500) })
    const { auth } = client(f.fetch)
    await auth.refresh()
    await expect(auth.fetch('/api/data')).rejects.toMatchObject({ statusCode: 500 })
    expect(f.calls).toHaveLength(2)
  })

  it('parallel 401s share one refresh', async () => {
    const f = fakeFetch({
      '/auth/refresh': () => new Promise(resolve => setTimeout(() => resolve(tokenResponse()), 5)),
      '/api/a': (_c: Call, n: number) => (n === 1 ? httpError(401) : 'a'),
      '/api/b': (_c: Call, n: number) => (n === 1 ? httpError(401) : 'b'),
    })
    const { auth } = client(f.fetch)
    await auth.refresh()
    expect(await Promise.all([auth.fetch('/api/a'), auth.fetch('/api/b')])).toEqual(['a', 'b'])
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(2)
  })
})

describe('[CLIENT-3] decodeClaims and isSameOrigin', () => {
  it('decodes unicode names', () => {
    const claims = decodeClaims(jwt({ sub: 'u', name: 'Zoë Ångström 山田 😀', tags: ['ä'] }))
    expect(claims).toEqual({ sub: 'u', name: 'Zoë Ångström 山田 😀', tags: ['ä'] })
  })

  it('handles base64url characters and missing padding', () => {
    // Payloads whose base64url uses '-' and '_' and needs padding.
    for (const name of ['???>>>', '~~~~', 'a', 'ab', 'abc']) {
      expect(decodeClaims(jwt({ sub: 's', name }))?.name).toBe(name)
    }
  })

  it.each(['', 'abc', 'a.!!!.c', `a.${Buffer.from('not json').toString('base64url')}.c`, `a.${Buffer.from([0xFF, 0xFE]).toString('base64url')}.c`])('returns null for %j instead of throwing', (token) => {
    expect(decodeClaims(token)).toBeNull()
  })

  it('isSameOrigin', () => {
    expect(isSameOrigin('/x', ORIGIN)).toBe(true)
    expect(isSameOrigin(`${ORIGIN}/x`, ORIGIN)).toBe(true)
    expect(isSameOrigin('//evil.test', ORIGIN)).toBe(false)
    expect(isSameOrigin('/\\evil.test', ORIGIN)).toBe(false)
    expect(isSameOrigin('/\t/evil.test', ORIGIN)).toBe(false)
    expect(isSameOrigin('http://[bad', ORIGIN)).toBe(false)
    expect(isSameOrigin('/x', 'not an origin')).toBe(false)
  })
})

describe('[CLIENT-3] refresh races and baseURL', () => {
  it('a 409 (another tab rotated the cookie first) is retried once and succeeds', async () => {
    const f = fakeFetch({ '/auth/refresh': (_call: Call, n: number) => n === 1 ? httpError(409) : tokenResponse('alice') })
    const { auth, users } = client(f.fetch)
    expect(await auth.refresh()).toBeTypeOf('string')
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(2)
    expect(users.at(-1)?.sub).toBe('alice')
  })

  it('a 409 twice in a row is not retried forever and does not log the user out', async () => {
    const f = fakeFetch({ '/auth/refresh': httpError(409) })
    const { auth, users } = client(f.fetch)
    await expect(auth.refresh()).rejects.toMatchObject({ statusCode: 409 })
    expect(f.calls.filter(c => c.url === '/auth/refresh')).toHaveLength(2)
    expect(users).not.toContain(null)
  })

  it('never attaches the token when baseURL points at another origin', async () => {
    const f = fakeFetch({ '/auth/refresh': tokenResponse('alice'), '/v1/me': { ok: true }, '/api/me': { ok: true } })
    const { auth } = client(f.fetch)
    await auth.refresh()
    await auth.fetch('/v1/me', { baseURL: 'https://api.partner.example' })
    expect(f.auth(f.calls.at(-1))).toBeNull()
    await auth.fetch('/api/me', { baseURL: '/' })
    expect(f.auth(f.calls.at(-1))).toMatch(/^Bearer /)
    await auth.fetch('/api/me', { baseURL: ORIGIN })
    expect(f.auth(f.calls.at(-1))).toMatch(/^Bearer /)
  })
})
