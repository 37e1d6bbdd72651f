/**
 * Several sign-in methods per user (defineAccounts): the fixture's accounts plugin
 * (server/plugins/accounts.ts, on with AEGIS_TEST_ACCOUNTS=1) maps mock identities to its own
 * user ids. Linking runs through the real link start, mock provider and callback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar, callback, decodeJwt, locationOf, postWithCookie, redeem, sameOrigin, send, toProviderCallback } from '../support/http'
import type { TokenBody } from '../support/http'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'

let server: RunningServer
let base: string

beforeAll(async () => {
  server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', AEGIS_TEST_ACCOUNTS: '1' })
  base = server.url
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

interface Browser { jar: CookieJar, token: string, sub: string }

/** A full mock login as `persona` in `jar` (a browser): the module's token and refresh cookie. */
async function loginAs(persona: string, jar = new CookieJar()): Promise<Browser> {
  const flow = await toProviderCallback(base, { user: persona }, jar)
  const { location } = await callback(flow.callbackUrl, jar)
  const response = await redeem(base, location.searchParams.get('code'), jar)
  expect(response.status).toBe(200)
  const { token } = await response.json() as TokenBody
  return { jar, token, sub: decodeJwt(token).sub as string }
}

function linkStart(browser: Browser, headers: Record<string, string> = sameOrigin(base)): Promise<Response> {
  return send(new URL('/auth/link/mock', base), {
    method: 'POST', jar: browser.jar, body: '{}',
    headers: { 'content-type': 'application/json', 'authorization': `Bearer ${browser.token}`, ...headers },
  })
}

/** Starts a link in `browser` and returns the provider login URL it answers (with the mock persona). */
async function linkUrl(browser: Browser, persona: string): Promise<URL> {
  const response = await linkStart(browser)
  expect(response.status, await response.clone().text()).toBe(200)
  const url = new URL((await response.json() as { url: string }).url, base)
  url.searchParams.set('user', persona)
  return url
}

/** Runs a link login URL in `jar` through the mock provider; where the callback sends the browser. */
async function finishLink(url: URL, jar: CookieJar): Promise<URL> {
  const start = await send(url, { jar })
  expect(start.status).toBe(302)
  const authorize = locationOf(start, url)
  if (!authorize.pathname.startsWith('/auth/mock/')) return authorize // refused at the start
  const back = await send(authorize, { jar })
  const { location } = await callback(locationOf(back, authorize), jar)
  return location
}

async function ownerOf(subject: string): Promise<string | null> {
  const response = await send(new URL('/api/test/accounts', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'mock', subject }) })
  return (await response.json() as { sub: string | null }).sub
}

async function seedUser(email: string, verified: boolean): Promise<string> {
  const response = await send(new URL('/api/test/accounts', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, email_verified: verified }) })
  return (await response.json() as { sub: string }).sub
}

function identities(browser: Browser): Promise<Response> {
  return send(new URL('/auth/identities', base), { headers: { authorization: `Bearer ${browser.token}` } })
}

function unlink(browser: Browser, subject: string): Promise<Response> {
  return send(new URL('/auth/unlink', base), {
    method: 'POST', body: JSON.stringify({ provider: 'mock', subject }),
    headers: { 'content-type': 'application/json', 'authorization': `Bearer ${browser.token}`, ...sameOrigin(base) },
  })
}

describe('[ACC-1] resolveUser: every method logs in as the app\'s user', () => {
  it('a provider login gets the app\'s sub, not the provider\'s; the login method stays the provider', async () => {
    const alice = await loginAs('alice')
    expect(alice.sub).toMatch(/^acct-/)
    expect(decodeJwt(alice.token)).toMatchObject({ provider: 'mock', email: 'alice@example.com' })
    expect(await ownerOf('mock-alice')).toBe(alice.sub)
    // The next login of that identity is the same user.
    expect((await loginAs('alice')).sub).toBe(alice.sub)
  })
})

describe('[ACC-2] linking another method to the logged-in user', () => {
  it('links, then either method logs in as one user; logout everywhere ends the sessions of both', async () => {
    const alice = await loginAs('alice')
    const location = await finishLink(await linkUrl(alice, 'carol'), alice.jar)
    expect(location.pathname).toBe('/')
    expect(location.searchParams.get('error')).toBeNull()
    expect(await ownerOf('mock-carol')).toBe(alice.sub)
    const viaCarol = await loginAs('carol')
    expect(viaCarol.sub).toBe(alice.sub)
    const listed = await (await identities(viaCarol)).json() as { identities: Array<{ provider: string, subject: string }> }
    expect(listed.identities).toEqual(expect.arrayContaining([{ provider: 'mock', subject: 'mock-alice' }, { provider: 'mock', subject: 'mock-carol' }]))

    // Logout everywhere from the carol browser ends alice's session too (one person).
    const out = await send(new URL('/auth/logout', base), { method: 'POST', jar: viaCarol.jar, body: JSON.stringify({ everywhere: true }), headers: { 'content-type': 'application/json', ...sameOrigin(base) } })
    expect(out.status).toBe(204)
    expect((await postWithCookie(base, '/auth/refresh', alice.jar)).status).toBe(401)
  })

  it('sessions are per person across methods of different providers: logout everywhere from one ends the other', async () => {
    const viaMock = await loginAs('alice')
    const pinJar = new CookieJar()
    const pin = await send(new URL('/auth/accounts-pin', base), { method: 'POST', jar: pinJar, body: JSON.stringify({ sub: viaMock.sub, pin: 'test-pin' }), headers: { 'content-type': 'application/json', ...sameOrigin(base) } })
    expect(pin.status).toBe(200)
    expect(decodeJwt((await pin.json() as TokenBody).token)).toMatchObject({ sub: viaMock.sub, provider: 'pin' })
    const out = await send(new URL('/auth/logout', base), { method: 'POST', jar: pinJar, body: JSON.stringify({ everywhere: true }), headers: { 'content-type': 'application/json', ...sameOrigin(base) } })
    expect(out.status).toBe(204)
    expect((await postWithCookie(base, '/auth/refresh', viaMock.jar)).status).toBe(401)
  })

  it('refuses a link while logged out, and a link URL without this browser\'s intent', async () => {
    const anonymous = await send(new URL('/auth/link/mock', base), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', ...sameOrigin(base) } })
    expect(anonymous.status).toBe(401)
    const forged = await finishLink(new URL('/auth/mock?link=made-up&user=dave', base), new CookieJar())
    expect(forged.pathname).toBe('/auth/error')
    expect(forged.searchParams.get('error')).toBe('link_failed')
    expect(await ownerOf('mock-dave')).toBeNull()
  })

  it('refuses a cross-site link start (403) and starts nothing', async () => {
    const alice = await loginAs('alice')
    const crossSite = await linkStart(alice, { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    expect(crossSite.headers.getSetCookie().join()).not.toContain('nuxt-aegis-link')
  })

  it('a link started by A and opened in B\'s browser links nothing to anyone', async () => {
    const a = await loginAs('alice')
    const b = await loginAs('bob')
    const url = await linkUrl(a, 'dave')
    const location = await finishLink(url, b.jar)
    expect(location.searchParams.get('error')).toBe('link_failed')
    expect(await ownerOf('mock-dave')).toBeNull()
  })

  it('a link started by A, then B logged in in the same browser, links nothing to B (or A)', async () => {
    const a = await loginAs('alice')
    const url = await linkUrl(a, 'dave')
    expect((await postWithCookie(base, '/auth/logout', a.jar)).status).toBe(204)
    const b = await loginAs('bob', a.jar)
    expect(b.sub).not.toBe(a.sub)
    const location = await finishLink(url, a.jar)
    expect(location.searchParams.get('error')).toBe('link_failed')
    expect(await ownerOf('mock-dave')).toBeNull()
  })

  it('a link whose session ended (logout) before the callback fails; so does a replayed callback', async () => {
    const alice = await loginAs('alice')
    const url = await linkUrl(alice, 'dave')
    const start = await send(url, { jar: alice.jar })
    const authorize = locationOf(start, url)
    const callbackUrl = locationOf(await send(authorize, { jar: alice.jar }), authorize)
    expect((await postWithCookie(base, '/auth/logout', alice.jar)).status).toBe(204)
    const ended = await callback(callbackUrl, alice.jar)
    expect(ended.location.searchParams.get('error')).toBe('link_failed')
    expect(await ownerOf('mock-dave')).toBeNull()

    // A completed link's callback, replayed, changes nothing (the transaction is single use).
    const bob = await loginAs('bob')
    const next = await linkUrl(bob, 'gina')
    const flow = await send(next, { jar: bob.jar })
    const auth = locationOf(flow, next)
    const cb = locationOf(await send(auth, { jar: bob.jar }), auth)
    const jarCopy = bob.jar.clone()
    expect((await callback(cb, bob.jar)).location.pathname).toBe('/')
    expect(await ownerOf('mock-gina')).toBe(bob.sub)
    const replay = await callback(cb, jarCopy)
    expect(replay.location.searchParams.get('error')).toBe('invalid_state')
  })

  it('refuses to link an identity already linked to another user (409 semantics, nothing moves)', async () => {
    const carolOwner = await ownerOf('mock-carol') ?? (await loginAs('carol')).sub
    const bob = await loginAs('bob')
    expect(bob.sub).not.toBe(carolOwner)
    const location = await finishLink(await linkUrl(bob, 'carol'), bob.jar)
    expect(location.searchParams.get('error')).toBe('identity_already_linked')
    expect(await ownerOf('mock-carol')).toBe(carolOwner)
  })
})

describe('[ACC-3] unlinking', () => {
  it('never removes the last method; removes another one', async () => {
    const dave = await loginAs('dave')
    const last = await unlink(dave, 'mock-dave')
    expect(last.status).toBe(409)
    expect(await last.json()).toMatchObject({ error: 'last_identity' })
    expect(await ownerOf('mock-dave')).toBe(dave.sub)
    const cross = await send(new URL('/auth/unlink', base), {
      method: 'POST', body: JSON.stringify({ provider: 'mock', subject: 'mock-dave' }),
      headers: { 'content-type': 'application/json', 'authorization': `Bearer ${dave.token}`, 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    })
    expect(cross.status).toBe(403)
  })

  it('an impersonation token can neither list, link nor unlink the target\'s methods', async () => {
    const alice = await loginAs('alice')
    const started = await send(new URL('/auth/impersonate', base), {
      method: 'POST', body: JSON.stringify({ sub: 'mock-bob' }),
      headers: { ...sameOrigin(base), 'content-type': 'application/json', 'authorization': `Bearer ${alice.token}` },
    })
    expect(started.status).toBe(200)
    const asBob: Browser = { jar: alice.jar, token: (await started.json() as TokenBody).token, sub: 'mock-bob' }
    const unlinked = await unlink(asBob, 'mock-bob')
    expect(unlinked.status).toBe(403)
    expect(await unlinked.json()).toMatchObject({ error: 'impersonation_not_allowed' })
    const linked = await linkStart(asBob)
    expect(linked.status).toBe(403)
    const listed = await send(new URL('/auth/identities', base), { headers: { authorization: `Bearer ${asBob.token}` } })
    expect(listed.status).toBe(403)
  })
})

describe('[ACC-4] email linking only when the app opts in and both sides say verified', () => {
  it('links a verified provider email to the account with that verified email', async () => {
    const seeded = await seedUser('erin@example.com', true)
    expect((await loginAs('erin')).sub).toBe(seeded)
  })

  it('an unverified provider email never links, even to a verified account with that address', async () => {
    const seeded = await seedUser('jo@example.com', true)
    const jo = await loginAs('jo')
    expect(jo.sub).not.toBe(seeded)
    expect(await ownerOf('mock-jo')).toBe(jo.sub)
  })

  it('an account whose email is unverified never receives a verified provider identity', async () => {
    const seeded = await seedUser('ivy@example.com', false)
    expect((await loginAs('ivy')).sub).not.toBe(seeded)
  })

  it('a loose lookup that finds another address (accent-insensitive) links nothing', async () => {
    const seeded = await seedUser('hal@example.com', true)
    expect((await loginAs('hal')).sub).not.toBe(seeded)
  })
})
