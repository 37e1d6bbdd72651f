import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../src/runtime/app/client'
import type { AuthMessage } from '../../src/runtime/app/client'
import type { AegisClaims } from '../../src/runtime/types'

const jwt = (payload: Record<string, unknown>) => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'at+jwt' })}.${part(payload)}.signature`
}
const answer = (role: string) => ({ token: jwt({ sub: 'alice', provider: 'mock', role, exp: 2_000_000_000 }), tokenType: 'Bearer', expiresIn: 900 })

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: 'http://app.test' } })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('[CLAIMS-2] refresh({ updateClaims: true }) on the client', () => {
  it('asks the server to compute the claims again (a body only then), and tells the other tabs', async () => {
    const bodies: unknown[] = []
    let role = 'user'
    const fetch = vi.fn(async (_url: string, options?: Record<string, unknown>) => {
      bodies.push(options?.body)
      return answer(role)
    })
    const posted: AuthMessage[] = []
    const users: Array<AegisClaims | null> = []
    const auth = createAuthClient({
      authPath: '/auth', automaticRefresh: false, onUser: user => users.push(user),
      fetch: fetch as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>,
      channel: { post: message => posted.push(message), onMessage: () => {} },
    })
    await auth.refresh()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(bodies[0]).toBeUndefined()
    role = 'admin'
    await auth.refresh(undefined, { updateClaims: true })
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(bodies[1]).toEqual({ updateClaims: true })
    expect(users.at(-1)).toMatchObject({ role: 'admin' })
    expect(posted.at(-1)).toMatchObject({ type: 'token' })
  })

  it('does not merge into a plain refresh already under way: it runs after it', async () => {
    const bodies: unknown[] = []
    let release!: () => void
    const fetch = vi.fn(async (_url: string, options?: Record<string, unknown>) => {
      bodies.push(options?.body)
      if (bodies.length === 1) await new Promise<void>(resolve => (release = resolve))
      return answer(bodies.length === 1 ? 'user' : 'admin')
    })
    const auth = createAuthClient({ authPath: '/auth', automaticRefresh: false, onUser: () => {}, fetch: fetch as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T> })
    const plain = auth.refresh()
    const update = auth.refresh(undefined, { updateClaims: true })
    await new Promise(resolve => setTimeout(resolve, 10))
    release()
    await plain
    await update
    expect(bodies).toEqual([undefined, { updateClaims: true }])
  })
})
