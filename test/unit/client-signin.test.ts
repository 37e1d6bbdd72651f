import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../src/runtime/app/client'
import type { AuthMessage } from '../../src/runtime/app/client'
import type { AegisClaims } from '../../src/runtime/types'

const ORIGIN = 'http://app.test'
const token = (sub: string) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, exp: 2_000_000_000 })).toString('base64url')}.sig`

function setup(answer: unknown) {
  const users: Array<AegisClaims | null> = []
  const posted: AuthMessage[] = []
  const fetch = vi.fn(async () => answer)
  const auth = createAuthClient({
    authPath: '/auth', automaticRefresh: false, onUser: user => users.push(user),
    fetch: fetch as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>,
    channel: { post: message => posted.push(message), onMessage: () => {} },
  })
  return { auth, users, posted, fetch }
}

beforeEach(() => {
  vi.stubGlobal('window', { location: { origin: ORIGIN } })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('[PWD-10] client signIn with credentials', () => {
  it('POSTs the JSON body same-origin and takes a token answer: user set, other tabs told', async () => {
    const { auth, users, posted, fetch } = setup({ token: token('u1'), tokenType: 'Bearer', expiresIn: 600 })
    await auth.signIn('/auth/password/login', { email: 'a@b.c', password: 'pw-123456' })
    expect(fetch).toHaveBeenCalledWith('/auth/password/login', { method: 'POST', body: { email: 'a@b.c', password: 'pw-123456' }, credentials: 'same-origin' })
    expect(users.at(-1)).toMatchObject({ sub: 'u1' })
    expect(auth.getToken()).toBe(token('u1'))
    expect(posted).toEqual([expect.objectContaining({ type: 'token', token: token('u1') })])
  })

  it('returns other answers untouched and logs nobody in', async () => {
    const { auth, users } = setup({ status: 'code_required' })
    expect(await auth.signIn('/auth/password/login', { email: 'a@b.c', password: 'x' })).toEqual({ status: 'code_required' })
    expect(users).toEqual([])
    expect(auth.getToken()).toBeNull()
  })

  it('never sends credentials to another origin', async () => {
    const { auth, fetch } = setup({})
    await expect(auth.signIn('https://evil.example/login', { password: 'x' })).rejects.toThrow(/this origin/)
    await expect(auth.signIn('//evil.example/login', { password: 'x' })).rejects.toThrow(/this origin/)
    expect(fetch).not.toHaveBeenCalled()
  })
})
