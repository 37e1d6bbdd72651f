import { afterAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { TX_COOKIE_PREFIX, send, toProviderCallback } from '../support/http'

const baseUrl = inject('baseUrl')
const mockOffUrl = inject('mockOffUrl')
const WARNING = 'MOCK provider is enabled in production'

const started: RunningServer[] = []
afterAll(async () => {
  await Promise.all(started.map(server => server.stop()))
})

async function start(env: Record<string, string>) {
  const server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, ...env })
  started.push(server)
  return server
}

/** Output arrives through pipes: give the process a moment to flush what it printed at start-up. */
async function outputAfterStart(server: RunningServer, expected: string): Promise<string> {
  const deadline = Date.now() + 2000
  while (!server.output().includes(expected) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
  return server.output()
}

async function expectDisabled(response: Response) {
  expect(response.status).toBe(404)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(await response.json()).toEqual({ error: 'provider_disabled', message: expect.any(String) })
  expect(response.headers.getSetCookie().some(cookie => cookie.startsWith(TX_COOKIE_PREFIX))).toBe(false)
}

describe('the mock provider in production', () => {
  it('[MOCK-4] is off by default: GET /auth/mock → 404 JSON provider_disabled, no transaction started', async () => {
    await expectDisabled(await send(new URL('/auth/mock', mockOffUrl)))
    await expectDisabled(await send(new URL('/auth/mock?user=alice&redirectTo=/members', mockOffUrl)))
    // The callback branch is off as well.
    await expectDisabled(await send(new URL('/auth/mock?code=abc&state=def', mockOffUrl)))
  })

  it('[MOCK-4] is off by default: the mock authorize, token and userinfo endpoints → 404', async () => {
    // Real authorize parameters, taken from a login on the server where the mock is on.
    const flow = await toProviderCallback(baseUrl, { user: 'alice' })
    const authorize = new URL(`${flow.authorizeUrl.pathname}${flow.authorizeUrl.search}`, mockOffUrl)
    await expectDisabled(await send(authorize))
    await expectDisabled(await send(new URL('/auth/mock/token', mockOffUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: 'nuxt-aegis-mock', redirect_uri: `${mockOffUrl}/auth/mock`, code_verifier: 'y' }).toString(),
    }))
    await expectDisabled(await send(new URL('/auth/mock/userinfo', mockOffUrl), { headers: { authorization: 'Bearer abc' } }))
  })

  it('[MOCK-4] the same build with NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION=true serves it (control)', async () => {
    const response = await send(new URL('/auth/mock?user=alice', baseUrl))
    expect(response.status).toBe(302)
    expect(new URL(response.headers.get('location')!).pathname).toBe('/auth/mock/authorize')
  })

  it('[MOCK-4] enabled in production, the process prints a loud warning at start-up', async () => {
    const server = await start({ NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })
    const output = await outputAfterStart(server, WARNING)
    expect(output).toContain(WARNING)
    // It really is on in that process.
    expect((await send(new URL('/auth/mock', server.url))).status).toBe(302)
  })

  it('[MOCK-4] left off, the process prints no such warning', async () => {
    const server = await start({})
    // Wait until it answered a request, so start-up output is complete.
    expect((await send(new URL('/auth/mock', server.url))).status).toBe(404)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(server.output()).not.toContain(WARNING)
  })

  for (const value of ['false', '0', 'yes', '']) {
    it(`[MOCK-4] NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION=${JSON.stringify(value)} keeps it off`, async () => {
      const server = await start({ NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: value })
      await expectDisabled(await send(new URL('/auth/mock', server.url)))
      expect(server.output()).not.toContain(WARNING)
    })
  }
})
