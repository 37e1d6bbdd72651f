import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { CookieJar, REFRESH_COOKIE, loginSession, postWithCookie } from '../support/http'
import { storedFiles } from '../support/storage'

const KEY_1 = 'e2e-encryption-key-one-0123456789abcdefghij'
const KEY_2 = 'e2e-encryption-key-two-0123456789abcdefghij'
const env = (extra: Record<string, string>) => ({
  NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
  NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
  NUXT_AEGIS_ENCRYPTION_ENABLED: 'true',
  ...extra,
})

describe('[SES-5] session records encrypted at rest (fs driver, built server)', () => {
  const servers: RunningServer[] = []
  let first: RunningServer

  beforeAll(async () => {
    first = await startServer(env({ NUXT_AEGIS_ENCRYPTION_KEY: KEY_1 }))
    servers.push(first)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(servers.map(server => server.stop()))
  })

  const refresh = (url: string, token: string) => {
    const jar = new CookieJar()
    jar.set(REFRESH_COOKIE, token)
    return postWithCookie(url, '/auth/refresh', jar).then(response => ({ response, jar }))
  }

  it('the files hold no profile, claim or hash in clear, and the session works', async () => {
    const session = await loginSession(first.url, 'bob')
    const file = storedFiles().find(f => f.path.endsWith(session.refreshToken.split('.')[0]!))
    expect(file?.text).toMatch(/^"?aegis-enc\./)
    const mine = storedFiles().filter(f => f.text.includes('aegis-enc.'))
    expect(mine.length).toBeGreaterThanOrEqual(3)
    for (const f of mine) {
      for (const clear of ['bob@example.com', 'Bob Fixture', 'mock-bob', '"hash"', session.refreshToken.split('.')[1]!]) expect(f.text).not.toContain(clear)
    }
    expect((await refresh(first.url, session.refreshToken)).response.status).toBe(200)
  })

  it('a server with the wrong key answers 401 (never 500) and logs one clear line; with the old key as previous key it works', async () => {
    const session = await loginSession(first.url, 'bob')
    const wrong = await startServer(env({ NUXT_AEGIS_ENCRYPTION_KEY: KEY_2 }))
    servers.push(wrong)
    const { response } = await refresh(wrong.url, session.refreshToken)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_refresh_token' })
    expect(wrong.output()).toMatch(/cannot be read: wrong encryption key, tampered or unencrypted/)
    expect(wrong.output()).not.toContain(KEY_1)

    const rotated = await startServer(env({ NUXT_AEGIS_ENCRYPTION_KEY: KEY_2, NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS: JSON.stringify([KEY_1]) }))
    servers.push(rotated)
    expect((await refresh(rotated.url, session.refreshToken)).response.status).toBe(200)
  })
})
