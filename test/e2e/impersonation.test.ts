/**
 * Impersonation: POST /auth/impersonate (and the startImpersonation util), the `act` claim,
 * no refresh token, the actor's session untouched, chains refused, sensitive routes refusing it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, loginSession, postWithCookie, sameOrigin, send } from '../support/http'
import type { TokenBody } from '../support/http'

const baseUrl = inject('baseUrl')
const CROSS_SITE = { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

function impersonate(token: string, sub: string, { base = baseUrl, headers = sameOrigin(base), path = '/auth/impersonate' } = {}) {
  return send(new URL(path, base), {
    method: 'POST',
    headers: { ...headers, ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ sub, reason: 'ticket 42' }),
  })
}
const stop = (token: string, base = baseUrl) => send(new URL('/auth/impersonate/stop', base), { method: 'POST', headers: { ...sameOrigin(base), ...bearer(token) } })
const whoami = (token: string, base = baseUrl) => send(new URL('/api/test/impersonation/whoami', base), { headers: bearer(token) })
async function errorOf(response: Response): Promise<string | undefined> {
  // The module's own endpoints answer { error }; a util in an app route answers Nitro's { error: true, data: { error } }.
  const body = await response.json() as { error?: string | boolean, data?: { error?: string } }
  return typeof body.error === 'string' ? body.error : body.data?.error
}

async function asBob(actorToken: string, base = baseUrl): Promise<{ token: string, body: TokenBody, response: Response }> {
  const response = await impersonate(actorToken, 'mock-bob', { base })
  expect(response.status).toBe(200)
  const body = await response.json() as TokenBody
  return { token: body.token, body, response }
}

describe('[IMP-1] an admin acts as another user with a short-lived token that names the actor', () => {
  it('issues an access token for the target with act (RFC 8693), the actor\'s sid, a short life and no refresh cookie', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token, body, response } = await asBob(alice.token)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(body.tokenType).toBe('Bearer')
    expect(body.expiresIn).toBe(120)
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ sub: 'mock-bob', provider: 'mock', act: { sub: 'mock-alice', provider: 'mock' }, sid: decodeJwt(alice.token).sid })
    expect((claims.exp as number) - (claims.iat as number)).toBe(120)
    expect(claims.role).toBeUndefined()
    // getAuthUser shows the target with act; route protection accepts it.
    expect(await (await whoami(token)).json()).toMatchObject({ sub: 'mock-bob', act: { sub: 'mock-alice', provider: 'mock' } })
    expect(await (await send(new URL('/api/protected/whoami', baseUrl), { headers: bearer(token) })).json()).toMatchObject({ sub: 'mock-bob' })
    const start = (await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:impersonationStart').at(-1)
    expect(start?.data).toEqual({ actor: 'mock-alice', target: 'mock-bob', act: { sub: 'mock-alice', provider: 'mock' }, reason: 'ticket 42' })
  })

  it('a user answer gives the target its profile; reserved names in it are dropped', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const response = await impersonate(alice.token, 'mock-carol')
    expect(response.status).toBe(200)
    const claims = decodeJwt((await response.json() as TokenBody).token)
    expect(claims).toMatchObject({ sub: 'mock-carol', name: 'Carol Target', email: 'carol@example.com', role: 'user', act: { sub: 'mock-alice' }, sid: decodeJwt(alice.token).sid })
  })

  it('the actor\'s session is untouched, and a refresh never yields a token for the target', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    // An impersonation token is no refresh credential: without the cookie, nothing.
    const noCookie = await send(new URL('/auth/refresh', baseUrl), { method: 'POST', headers: { ...sameOrigin(baseUrl), ...bearer(token) } })
    expect(noCookie.status).toBe(401)
    // With the actor's cookie: the actor's own token (this is how the tab gets back).
    const back = await send(new URL('/auth/refresh', baseUrl), { method: 'POST', headers: { ...sameOrigin(baseUrl), ...bearer(token) }, jar: alice.jar })
    expect(back.status).toBe(200)
    const claims = decodeJwt((await back.json() as TokenBody).token)
    expect(claims).toMatchObject({ sub: 'mock-alice', role: 'admin' })
    expect(claims.act).toBeUndefined()
  })

  it('stopImpersonation fires the end hook and needs an impersonation token', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    expect((await whoami(token)).status).toBe(200)
    expect((await stop(token)).status).toBe(204)
    // Stopped means stopped: that impersonation token is refused from now on; the actor's own token is not.
    expect((await whoami(token)).status).toBe(401)
    expect((await whoami(alice.token)).status).toBe(200)
    expect((await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:impersonationEnd').at(-1)?.data).toEqual({ actor: 'mock-alice', target: 'mock-bob' })
    const notImpersonating = await stop(alice.token)
    expect(notImpersonating.status).toBe(400)
    const crossSite = await send(new URL('/auth/impersonate/stop', baseUrl), { method: 'POST', headers: { ...CROSS_SITE, ...bearer(token) } })
    expect(crossSite.status).toBe(403)
  })

  it('the startImpersonation util serves an app\'s own route, with errors in Nitro\'s format', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const ok = await impersonate(alice.token, 'mock-bob', { path: '/api/test/impersonation/start' })
    expect(ok.status).toBe(200)
    expect(decodeJwt((await ok.json() as TokenBody).token)).toMatchObject({ sub: 'mock-bob', act: { sub: 'mock-alice' } })
    const bob = await loginSession(baseUrl, 'bob')
    const refused = await impersonate(bob.token, 'mock-alice', { path: '/api/test/impersonation/start' })
    expect(refused.status).toBe(403)
    expect(await errorOf(refused)).toBe('impersonation_forbidden')
  })
})

describe('[IMP-2] impersonation is refused unless the app allows it', () => {
  it('without permission (the hook answers false)', async () => {
    const bob = await loginSession(baseUrl, 'bob')
    const response = await impersonate(bob.token, 'mock-alice')
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toBe('impersonation_forbidden')
  })

  it('when no handler answers, when it answers another user, or when it throws', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    for (const target of ['mock-unknown', 'mock-other', 'mock-throws']) {
      const response = await impersonate(alice.token, target)
      expect(response.status, target).toBe(403)
      expect(await errorOf(response)).toBe('impersonation_forbidden')
    }
  })

  it('for oneself, a malformed target, without a token, with a token of an ended session, or cross-site', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    expect((await impersonate(alice.token, 'mock-alice')).status).toBe(403)
    expect((await impersonate(alice.token, 'x\u0000y')).status).toBe(400)
    const anonymous = await send(new URL('/auth/impersonate', baseUrl), { method: 'POST', headers: { ...sameOrigin(baseUrl), 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'mock-bob' }) })
    expect(anonymous.status).toBe(401)
    const before = (await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:impersonationStart').length
    const crossSite = await impersonate(alice.token, 'mock-bob', { headers: CROSS_SITE })
    expect(crossSite.status).toBe(403)
    expect(await errorOf(crossSite)).toBe('cross_site_request')
    expect((await hookCalls(baseUrl)).filter(call => call.name === 'nuxt-aegis:impersonationStart').length).toBe(before)
    expect((await postWithCookie(baseUrl, '/auth/logout', alice.jar)).status).toBe(204)
    expect((await impersonate(alice.token, 'mock-bob')).status).toBe(401)
  })

  it('a chain: impersonating while impersonating', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    const response = await impersonate(token, 'mock-carol')
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toBe('impersonation_chain')
  })
})

describe('[IMP-3] routes that must never run under impersonation refuse it', () => {
  it('requireAuth(event, { allowImpersonation: false }), the session list and the password change', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    const sensitive = (t: string) => send(new URL('/api/test/impersonation/sensitive', baseUrl), { method: 'POST', headers: bearer(t) })
    const refused = await sensitive(token)
    expect(refused.status).toBe(403)
    expect(await errorOf(refused)).toBe('impersonation_not_allowed')
    expect(await (await sensitive(alice.token)).json()).toEqual({ sub: 'mock-alice' })
    const sessions = await send(new URL('/auth/sessions', baseUrl), { headers: { ...sameOrigin(baseUrl), ...bearer(token) } })
    expect(sessions.status).toBe(403)
    expect(await errorOf(sessions)).toBe('impersonation_not_allowed')
    expect((await send(new URL('/auth/sessions/revoke-others', baseUrl), { method: 'POST', headers: { ...sameOrigin(baseUrl), ...bearer(token) } })).status).toBe(403)
    const change = await send(new URL('/auth/password/change', baseUrl), {
      method: 'POST', headers: { ...sameOrigin(baseUrl), ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: 'x'.repeat(12), newPassword: 'y'.repeat(12) }),
    })
    expect(change.status).toBe(403)
    // Nor the target's second factors: an impersonator's enrolment would outlive the impersonation.
    for (const path of ['/auth/mfa/totp/enroll', '/auth/mfa/status']) {
      const factor = await send(new URL(path, baseUrl), { method: path.endsWith('enroll') ? 'POST' : 'GET', headers: { ...sameOrigin(baseUrl), ...bearer(token), 'content-type': 'application/json' }, ...(path.endsWith('enroll') ? { body: '{}' } : {}) })
      expect(factor.status, path).toBe(403)
      expect(await errorOf(factor), path).toBe('impersonation_not_allowed')
    }
  })

  it('logout everywhere with an impersonation token ends none of the target\'s sessions', async () => {
    const bob = await loginSession(baseUrl, 'bob')
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    const response = await send(new URL('/auth/logout', baseUrl), {
      method: 'POST', headers: { ...sameOrigin(baseUrl), ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify({ everywhere: true }),
    })
    expect(response.status).toBe(204)
    expect((await postWithCookie(baseUrl, '/auth/refresh', bob.jar)).status).toBe(200)
  })
})

describe('[IMP-4] settings at run time: off by default, a handler required, a short life', () => {
  const servers: RunningServer[] = []
  const start = async (env: Record<string, string>) => {
    const server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', ...env })
    servers.push(server)
    return server.url
  }
  let off: string
  let noHandler: string
  let shortLived: string
  beforeAll(async () => {
    off = await start({ NUXT_AEGIS_IMPERSONATION_ENABLED: 'false' })
    noHandler = await start({ AEGIS_TEST_NO_IMPERSONATION_HANDLER: '1' })
    shortLived = await start({ NUXT_AEGIS_IMPERSONATION_EXPIRES_IN: '1' })
  }, 120_000)
  afterAll(async () => {
    await Promise.all(servers.map(server => server.stop()))
  })

  it('NUXT_AEGIS_IMPERSONATION_ENABLED=false: 404, also through the util', async () => {
    const alice = await loginSession(off, 'alice')
    expect((await impersonate(alice.token, 'mock-bob', { base: off })).status).toBe(404)
    expect((await impersonate(alice.token, 'mock-bob', { base: off, path: '/api/test/impersonation/start' })).status).toBe(404)
  })

  it('no canImpersonate handler means refused', async () => {
    const alice = await loginSession(noHandler, 'alice')
    const response = await impersonate(alice.token, 'mock-bob', { base: noHandler })
    expect(response.status).toBe(403)
    expect(await errorOf(response)).toBe('impersonation_forbidden')
  })

  it('an expired impersonation token is refused (NUXT_AEGIS_IMPERSONATION_EXPIRES_IN=1)', async () => {
    const alice = await loginSession(shortLived, 'alice')
    const { token, body } = await asBob(alice.token, shortLived)
    expect(body.expiresIn).toBe(1)
    const claims = decodeJwt(token)
    expect((claims.exp as number) - (claims.iat as number)).toBe(1)
    // Wait on the condition (exp plus the 5 s clock tolerance), bounded.
    const deadline = Date.now() + 20_000
    let status = 200
    while (status === 200 && Date.now() < deadline) {
      status = (await whoami(token, shortLived)).status
      if (status === 200) await new Promise(resolve => setTimeout(resolve, 250))
    }
    expect(status).toBe(401)
    expect(Date.now() / 1000).toBeGreaterThan(claims.exp as number)
    // The actor's session goes on.
    expect((await postWithCookie(shortLived, '/auth/refresh', alice.jar)).status).toBe(200)
  })
})

describe('[IMP-5] the impersonation rides on the actor\'s session', () => {
  it('carries the actor\'s sid, so ending the actor\'s session covers it', async () => {
    const alice = await loginSession(baseUrl, 'alice')
    const { token } = await asBob(alice.token)
    expect(decodeJwt(token).sid).toBe(decodeJwt(alice.token).sid)
    // Verified and cached while the actor's session lives.
    expect((await whoami(token)).status).toBe(200)
    const jar = new CookieJar()
    jar.set(REFRESH_COOKIE, alice.refreshToken)
    expect((await postWithCookie(baseUrl, '/auth/logout', jar)).status).toBe(204)
    // The revocation list covers the impersonation token already issued (same sid), at once on this instance.
    expect((await whoami(token)).status).toBe(401)
    // Its session ended: no new impersonation from the actor's old token either.
    expect((await impersonate(alice.token, 'mock-bob')).status).toBe(401)
  })
})
