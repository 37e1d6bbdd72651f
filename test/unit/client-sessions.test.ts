import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../src/runtime/app/client'
import type { AuthMessage } from '../../src/runtime/app/client'
import type { AegisClaims } from '../../src/runtime/types'

const ORIGIN = 'http://app.test'
const jwt = (payload: Record<string, unknown>) => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part(payload)}.signature`
}
const TOKEN = jwt({ sub: 'alice', provider: 'mock', sid: 'abc', exp: 2_000_000_000 })

interface Call { url: string, method?: unknown, authorization: string | null }

/** The client of one tab, logged in, over a fake $fetch that answers the session endpoints. */
function tab(answers: Record<string, unknown>) {
  const calls: Call[] = []
  const posted: AuthMessage[] = []
  const users: Array<AegisClaims | null> = []
  const fetch = vi.fn(async (url: string, options?: Record<string, unknown>) => {
    calls.push({ url, method: options?.method, authorization: options?.headers ? new Headers(options.headers as HeadersInit).get('authorization') : null })
    if (url === '/auth/refresh') return { token: TOKEN, tokenType: 'Bearer', expiresIn: 900 }
    if (!(url in answers)) throw Object.assign(new Error('404'), { statusCode: 404 })
    return answers[url]
  }) as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>
  const auth = createAuthClient({
    authPath: '/auth', fetch, automaticRefresh: false, onUser: user => users.push(user),
    channel: { post: message => posted.push(message), onMessage: () => {} },
  })
  return { auth, calls, posted, users }
}

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: ORIGIN } })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('[DEV-6] the client\'s sessions(), revokeSession(id), revokeOtherSessions() (lazy chunk)', () => {
  it('lists with the access token attached', async () => {
    const listed = [{ id: 'aaaaaaaaaaaa', provider: 'mock', createdAt: 1, refreshedAt: 1, expiresAt: 2, device: null, current: true }]
    const { auth, calls } = tab({ '/auth/sessions': { sessions: listed } })
    await auth.refresh()
    expect(await auth.sessions()).toEqual(listed)
    expect(calls.at(-1)).toEqual({ url: '/auth/sessions', method: 'GET', authorization: `Bearer ${TOKEN}` })
  })

  it('ending another session keeps this tab logged in', async () => {
    const { auth, calls, posted } = tab({ '/auth/sessions/bbbbbbbbbbbb': { current: false } })
    await auth.refresh()
    expect(await auth.revokeSession('bbbbbbbbbbbb')).toEqual({ current: false })
    expect(calls.at(-1)).toMatchObject({ url: '/auth/sessions/bbbbbbbbbbbb', method: 'DELETE', authorization: `Bearer ${TOKEN}` })
    expect(auth.getToken()).toBe(TOKEN)
    expect(posted.some(message => message.type === 'logout')).toBe(false)
  })

  it('ending this tab\'s own session logs this tab and the others out', async () => {
    const { auth, posted, users } = tab({ '/auth/sessions/cccccccccccc': { current: true } })
    await auth.refresh()
    expect(await auth.revokeSession('cccccccccccc')).toEqual({ current: true })
    expect(auth.getToken()).toBeNull()
    expect(users.at(-1)).toBeNull()
    expect(posted.at(-1)).toEqual({ type: 'logout' })
  })

  it('ids are sent as one path segment', async () => {
    const { auth, calls } = tab({ '/auth/sessions/..%2Fx': { current: false } })
    await auth.refresh()
    await auth.revokeSession('../x')
    expect(calls.at(-1)!.url).toBe('/auth/sessions/..%2Fx')
  })

  it('revokeOtherSessions resolves to the count', async () => {
    const { auth, calls } = tab({ '/auth/sessions/revoke-others': { revoked: 3 } })
    await auth.refresh()
    expect(await auth.revokeOtherSessions()).toBe(3)
    expect(calls.at(-1)).toMatchObject({ url: '/auth/sessions/revoke-others', method: 'POST', authorization: `Bearer ${TOKEN}` })
  })
})

describe('[IMP-6] the client under impersonation (lazy chunk)', () => {
  const ACTOR = jwt({ sub: 'alice', provider: 'mock', sid: 'abc', exp: 2_000_000_000 })
  const TARGET = jwt({ sub: 'bob', provider: 'mock', sid: 'abc', act: { sub: 'alice', provider: 'mock' }, exp: 2_000_000_000 })

  function impersonationTab(routes: Record<string, (options?: Record<string, unknown>) => unknown>) {
    const calls: Call[] = []
    const users: Array<AegisClaims | null> = []
    const fetch = vi.fn(async (url: string, options?: Record<string, unknown>) => {
      calls.push({ url, method: options?.method, authorization: options?.headers ? new Headers(options.headers as HeadersInit).get('authorization') : null })
      if (url === '/auth/refresh') return { token: ACTOR, tokenType: 'Bearer', expiresIn: 900 }
      const route = routes[url]
      if (!route) throw Object.assign(new Error('404'), { statusCode: 404 })
      return route(options)
    }) as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>
    const auth = createAuthClient({ authPath: '/auth', fetch, automaticRefresh: false, onUser: user => users.push(user) })
    return { auth, calls, users }
  }

  it('impersonate() takes the target token; stopImpersonation() tells the server, then gets the actor back', async () => {
    const { auth, calls, users } = impersonationTab({
      '/auth/impersonate': () => ({ token: TARGET, tokenType: 'Bearer', expiresIn: 120 }),
      '/auth/impersonate/stop': () => undefined,
    })
    await auth.refresh()
    await auth.impersonate('bob', 'ticket')
    expect(calls.at(-1)).toEqual({ url: '/auth/impersonate', method: 'POST', authorization: `Bearer ${ACTOR}` })
    expect(auth.getToken()).toBe(TARGET)
    expect(users.at(-1)).toMatchObject({ sub: 'bob', act: { sub: 'alice' } })
    await auth.stopImpersonation()
    expect(calls.map(call => call.url).slice(-2)).toEqual(['/auth/impersonate/stop', '/auth/refresh'])
    expect(calls.at(-2)!.authorization).toBe(`Bearer ${TARGET}`)
    expect(auth.getToken()).toBe(ACTOR)
    expect(users.at(-1)).toMatchObject({ sub: 'alice' })
  })

  it('a request refused under impersonation is never replayed as the actor', async () => {
    const { auth, calls } = impersonationTab({
      '/auth/impersonate': () => ({ token: TARGET, tokenType: 'Bearer', expiresIn: 120 }),
      '/api/delete-my-account': () => {
        throw Object.assign(new Error('401'), { statusCode: 401 })
      },
    })
    await auth.refresh()
    await auth.impersonate('bob')
    await expect(auth.fetch('/api/delete-my-account', { method: 'POST' })).rejects.toMatchObject({ statusCode: 401 })
    const deletes = calls.filter(call => call.url === '/api/delete-my-account')
    expect(deletes.map(call => call.authorization)).toEqual([`Bearer ${TARGET}`])
    // The refresh brought the actor back for what comes next.
    expect(auth.getToken()).toBe(ACTOR)
  })

  it('the actor is back even when the stop call fails (an expired impersonation token)', async () => {
    const { auth } = impersonationTab({
      '/auth/impersonate': () => ({ token: TARGET, tokenType: 'Bearer', expiresIn: 120 }),
      '/auth/impersonate/stop': () => {
        throw Object.assign(new Error('401'), { statusCode: 401 })
      },
    })
    await auth.refresh()
    await auth.impersonate('bob')
    await auth.stopImpersonation()
    expect(auth.getToken()).toBe(ACTOR)
  })
})
