import { describe, expect, it } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, postWithCookie, setCookie } from '../support/http'
import { storedFamily } from '../support/storage'
import { postJson, uniqueIp, usePasswordServer } from '../support/password'
import { TEST_SECRET, startServer } from '../support/server'

// test/fixtures/basic/server/routes/auth/credentials.post.ts: one user, dana@example.com.
const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })
const DANA = { email: 'dana@example.com', password: 'dana-secret-pass' }

describe('[PWD-10] defineCredentialsEventHandler', () => {
  it('answers like /auth/token: token JSON, refresh cookie, no-store; claims and hooks applied', async () => {
    const jar = new CookieJar()
    const ip = uniqueIp()
    const response = await postJson(server.url, '/auth/credentials', DANA, { jar, ip })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await response.json()
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 600 })
    const cookie = setCookie(response, REFRESH_COOKIE)!
    expect(cookie.attributes).toMatchObject({ httponly: true, secure: true, path: '/', samesite: 'Lax' })
    const claims = decodeJwt(body.token)
    expect(claims).toMatchObject({ sub: 'cred-dana', provider: 'credentials', email: 'dana@example.com', name: 'Dana Credentials', role: 'editor', iss: 'nuxt-aegis', aud: 'aegis-tests' })
    expect(JSON.stringify(claims)).not.toMatch(/password|scrypt/i)
    // No hash in the stored session or in hook payloads.
    const family = storedFamily(jar.get(REFRESH_COOKIE)!)
    expect(family?.user).toMatchObject({ sub: 'cred-dana', provider: 'credentials' })
    expect(JSON.stringify(family)).not.toMatch(/password|scrypt/i)
    const calls = await hookCalls(server.url)
    expect(calls.some(call => call.name === 'nuxt-aegis:userInfo' && call.data.provider === 'credentials')).toBe(true)
    const success = calls.filter(call => call.name === 'credentials:success').map(call => String(call.data.payload))
    expect(success.length).toBeGreaterThan(0)
    for (const payload of success) expect(payload).not.toMatch(/password|scrypt/i)

    // The session refreshes like any other, with the claims function run again.
    const refreshed = await postWithCookie(server.url, '/auth/refresh', jar, { 'origin': new URL(server.url).origin, 'sec-fetch-site': 'same-origin' })
    expect(refreshed.status).toBe(200)
    expect(decodeJwt((await refreshed.json()).token)).toMatchObject({ sub: 'cred-dana', role: 'editor', provider: 'credentials' })
  })

  it('a freshly started server runs the claims function on refresh before any credentials login', async () => {
    const jar = new CookieJar()
    const login = await postJson(server.url, '/auth/credentials', DANA, { jar, ip: uniqueIp() })
    const loginPid = decodeJwt((await login.json()).token).pid
    // Same build, same storage: the new process has never served /auth/credentials.
    const fresh = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET })
    try {
      const refreshed = await postWithCookie(fresh.url, '/auth/refresh', jar, { 'origin': new URL(fresh.url).origin, 'sec-fetch-site': 'same-origin' })
      expect(refreshed.status).toBe(200)
      const claims = decodeJwt((await refreshed.json()).token)
      expect(claims.pid).toEqual(expect.any(Number))
      expect(claims.pid).not.toBe(loginPid)
    }
    finally {
      await fresh.stop()
    }
  })

  it('a wrong password and an unknown user get the same 401, and create nothing', async () => {
    const ip = uniqueIp()
    const wrong = await postJson(server.url, '/auth/credentials', { ...DANA, password: 'not-it-at-all' }, { ip })
    const unknown = await postJson(server.url, '/auth/credentials', { email: 'nobody@example.com', password: 'not-it-at-all' }, { ip })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: 'invalid_credentials', message: 'The email or password is incorrect.' })
    expect(await unknown.json()).toEqual({ error: 'invalid_credentials', message: 'The email or password is incorrect.' })
    expect(setCookie(wrong, REFRESH_COOKIE)).toBeUndefined()
    expect(setCookie(unknown, REFRESH_COOKIE)).toBeUndefined()
  })

  it('rate-limits per identifier: after 5 failed attempts even the right password gets 429', async () => {
    // A successful login clears the identifier's failed attempts.
    expect((await postJson(server.url, '/auth/credentials', DANA, { ip: uniqueIp() })).status).toBe(200)
    const email = 'Dana@Example.com'
    for (let i = 0; i < 5; i++) expect((await postJson(server.url, '/auth/credentials', { email, password: `guess-${i}` }, { ip: uniqueIp() })).status).toBe(401)
    const blocked = await postJson(server.url, '/auth/credentials', DANA, { ip: uniqueIp() })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('same-origin, JSON only, size-capped', async () => {
    expect((await postJson(server.url, '/auth/credentials', { email: 'x@y.z', password: 'p' }, { headers: { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(403)
    expect((await postJson(server.url, '/auth/credentials', null, { raw: 'email=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    expect((await postJson(server.url, '/auth/credentials', { email: 'x@y.z', password: 'p'.repeat(5000) })).status).toBe(413)
    expect((await postJson(server.url, '/auth/credentials', null, { raw: '[1,2]' })).status).toBe(400)
  })
})
