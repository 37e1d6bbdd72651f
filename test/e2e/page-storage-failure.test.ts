/**
 * A protected page is never rendered without a checked session: when the session store cannot
 * be read during a full page load, the answer is 503 (the page is not let through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginSession, send } from '../support/http'
import type { CookieJar, Session } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'

const PAGE = { 'accept': 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' }

describe('[ROUTE-6] storage trouble during a protected page load', () => {
  let server: RunningServer
  let session: Session
  const load = (path: string, jar?: CookieJar) => send(new URL(path, server.url), { headers: PAGE, jar })
  const failing = (on: boolean) => send(new URL('/api/test/storage-failure', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on }) })

  beforeAll(async () => {
    server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', AEGIS_TEST_STORAGE_FAILURE: '1' })
    session = await loginSession(server.url, 'alice')
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('answers 503 for a protected page (never the page), and leaves public pages to the browser', async () => {
    expect((await load('/members', session.jar)).status).toBe(200)
    expect((await failing(true)).status).toBe(200)
    try {
      for (const path of ['/members', '/members/cached']) {
        const response = await load(path, session.jar)
        expect(response.status, path).toBe(503)
        expect(response.headers.get('cache-control'), path).toBe('no-store')
        expect(await response.text(), path).not.toContain('members area of')
      }
      const home = await load('/', session.jar)
      expect(home.status).toBe(200)
      expect(/data-testid="status"[^>]*>([^<]*)</.exec(await home.text())?.[1]?.trim()).toBe('unknown')
    }
    finally {
      expect((await failing(false)).status).toBe(200)
    }
    expect((await load('/members', session.jar)).status).toBe(200)
  })
})
