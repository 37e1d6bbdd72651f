import { describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../src/runtime/app/client'
import type { AegisClaims } from '../../src/runtime/types'

const token = (sub: string) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, exp: 2_000_000_000 })).toString('base64url')}.sig`

function setup(hint: { value: boolean }, answer: () => unknown = () => ({ token: token('u1'), tokenType: 'Bearer', expiresIn: 600 })) {
  const users: Array<AegisClaims | null> = []
  const fetch = vi.fn(async (..._args: unknown[]) => answer())
  const auth = createAuthClient({
    authPath: '/auth', automaticRefresh: false, onUser: user => users.push(user),
    fetch: fetch as unknown as <T>(url: string, options?: Record<string, unknown>) => Promise<T>,
    sessionHint: () => hint.value,
  })
  return { auth, users, fetch }
}

describe('[PERF-2] the client asks for a refresh only with the session hint', () => {
  it('without the hint: no request, the user is a guest', async () => {
    const { auth, users, fetch } = setup({ value: false })
    expect(await auth.refresh(null)).toBeNull()
    expect(fetch).not.toHaveBeenCalled()
    expect(users).toEqual([null])
  })

  it('with the hint: one POST /auth/refresh', async () => {
    const { auth, users, fetch } = setup({ value: true })
    expect(await auth.refresh(null)).toBe(token('u1'))
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(fetch.mock.calls[0]![0]).toBe('/auth/refresh')
    expect(users.at(-1)).toMatchObject({ sub: 'u1' })
  })

  it('a hint gone later (the session ended): the token is dropped locally, nothing is asked', async () => {
    const hint = { value: true }
    const { auth, users, fetch } = setup(hint)
    await auth.refresh(null)
    hint.value = false
    expect(await auth.refresh()).toBeNull()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(auth.getToken()).toBeNull()
    expect(users.at(-1)).toBeNull()
  })

  it('a 401 on the module fetch without a hint does not try a refresh', async () => {
    const { auth, fetch } = setup({ value: false }, () => {
      throw Object.assign(new Error('401'), { statusCode: 401 })
    })
    vi.stubGlobal('window', { location: { origin: 'http://app.test' } })
    try {
      await expect(auth.fetch('/api/x')).rejects.toMatchObject({ statusCode: 401 })
      expect(fetch.mock.calls.map(call => call[0])).toEqual(['/api/x'])
    }
    finally {
      vi.unstubAllGlobals()
    }
  })
})
