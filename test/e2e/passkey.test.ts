import { describe, expect, it, inject } from 'vitest'
import { CookieJar, REFRESH_COOKIE, decodeJwt, loginSession, postWithCookie, setCookie } from '../support/http'
import { loginOptions, passkeyCall, passkeyLogin, registerPasskey, registrationOptions, storedPasskeys, usePasskeyServer } from '../support/passkey'
import type { TokenBody } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

const server = usePasskeyServer()

describe('passkeys: register while logged in, then log in with the passkey', () => {
  it('registration options name the RP from siteUrl, ask for a discoverable key, and set an HttpOnly browser binding', async () => {
    const session = await loginSession(server.url, 'alice')
    const response = await passkeyCall(server.url, '/auth/passkey/register/options', {}, { jar: session.jar, token: session.token })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const cookie = setCookie(response, 'nuxt-aegis-passkey')!
    expect(cookie.attributes.httponly).toBe(true)
    expect(cookie.attributes.path).toBe('/auth/passkey')
    expect(String(cookie.attributes.samesite).toLowerCase()).toBe('strict')
    const options = await response.json() as { rp: unknown, challenge: string, attestation: string, authenticatorSelection: unknown, user: { id: string, name: string } }
    expect(options.rp).toEqual({ id: 'localhost', name: 'Aegis Fixture' })
    expect(options.challenge).toMatch(/^[\w-]{43}$/)
    expect(options.attestation).toBe('none')
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'preferred' })
    expect(options.user.name).toBe('alice@example.com')
    // The user handle is not the app's id.
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain('mock-alice')
  })

  it('a registered passkey logs the user in with amr, custom claims and a refresh cookie; the counter is stored', async () => {
    const { authenticator, credentialId } = await registerPasskey(server.url, 'alice')
    const stored = await storedPasskeys(server.url, 'mock-alice')
    expect(stored.passkeys.find(p => p.id === credentialId)).toMatchObject({ userId: 'mock-alice', counter: 0, name: 'Soft key', deviceType: 'singleDevice' })

    const { response, jar } = await passkeyLogin(server.url, authenticator)
    expect(response.status).toBe(200)
    const body = await response.json() as TokenBody
    const claims = decodeJwt(body.token)
    expect(claims).toMatchObject({ sub: 'mock-alice', provider: 'passkey', email: 'alice@example.com', via: 'passkey', role: 'admin' })
    // A key that never leaves its authenticator, user presence, and user verification (UV) → mfa.
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa'])
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    const after = await storedPasskeys(server.url, 'mock-alice')
    expect(after.passkeys.find(p => p.id === credentialId)).toMatchObject({ counter: 1 })
    expect(after.passkeys.find(p => p.id === credentialId)!.lastUsedAt).toBeGreaterThan(0)

    // The session refreshes with the same amr (kept by the session).
    const refreshed = await postWithCookie(server.url, '/auth/refresh', jar)
    expect(refreshed.status).toBe(200)
    expect(decodeJwt((await refreshed.json() as TokenBody).token).amr).toEqual(['hwk', 'user', 'mfa'])
  })

  it('a synced passkey without user verification says swk and user, not mfa', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice', { backupEligible: true })
    const { response } = await passkeyLogin(server.url, authenticator, { backupEligible: true, userVerified: false })
    expect(response.status).toBe(200)
    expect(decodeJwt((await response.json() as TokenBody).token).amr).toEqual(['swk', 'user'])
  })

  it('login options are discoverable (no allowCredentials) and bound to the browser', async () => {
    const jar = new CookieJar()
    const options = await loginOptions(server.url, jar)
    expect(options.rpId).toBe('localhost')
    expect(options.allowCredentials ?? []).toEqual([])
    expect(options.challenge).toMatch(/^[\w-]{43}$/)
    expect(jar.get('nuxt-aegis-passkey')).toMatch(/^[\w-]{43}$/)
    // A second request in the same browser keeps its binding (two tabs do not undo each other).
    const binding = jar.get('nuxt-aegis-passkey')
    const second = await loginOptions(server.url, jar)
    expect(jar.get('nuxt-aegis-passkey')).toBe(binding)
    expect(second.challenge).not.toBe(options.challenge)
  })

  it('two challenges of one browser both work (two tabs)', async () => {
    const { authenticator } = await registerPasskey(server.url, 'bob')
    const jar = new CookieJar()
    const first = await loginOptions(server.url, jar)
    const second = await loginOptions(server.url, jar)
    const a = await passkeyCall(server.url, '/auth/passkey/login/verify', { response: authenticator.get(second) }, { jar })
    const b = await passkeyCall(server.url, '/auth/passkey/login/verify', { response: authenticator.get(first) }, { jar })
    expect([a.status, b.status]).toEqual([200, 200])
  })

  it('excludeCredentials lists the user\'s passkeys; the list shows them without keys; remove deletes one', async () => {
    const { session, credentialId } = await registerPasskey(server.url, 'alice')
    const options = await registrationOptions(server.url, session)
    expect(options.excludeCredentials!.map(c => c.id)).toContain(credentialId)

    const list = await passkeyCall(server.url, '/auth/passkey/credentials', undefined, { method: 'GET', token: session.token })
    expect(list.status).toBe(200)
    const { passkeys } = await list.json() as { passkeys: Array<Record<string, unknown>> }
    const mine = passkeys.find(p => p.id === credentialId)!
    expect(mine).toMatchObject({ name: 'Soft key', deviceType: 'singleDevice', backedUp: false })
    expect(mine).not.toHaveProperty('publicKey')
    expect(mine).not.toHaveProperty('counter')

    const removed = await passkeyCall(server.url, `/auth/passkey/credentials/${credentialId}`, undefined, { method: 'DELETE', token: session.token })
    expect(removed.status).toBe(204)
    expect((await storedPasskeys(server.url, 'mock-alice')).passkeys.map(p => p.id)).not.toContain(credentialId)
  })

  it('a removed passkey no longer logs in', async () => {
    const { session, authenticator, credentialId } = await registerPasskey(server.url, 'bob')
    await passkeyCall(server.url, `/auth/passkey/credentials/${credentialId}`, undefined, { method: 'DELETE', token: session.token })
    const { response } = await passkeyLogin(server.url, authenticator)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
  })
})

describe('passkeys: input shapes', () => {
  it('unexpected fields, malformed responses and wrong types are 400; other methods 405; big bodies 413', async () => {
    const jar = new CookieJar()
    const options = await loginOptions(server.url, jar)
    const valid = new SoftAuthenticator(server.url)
    valid.create({ challenge: options.challenge, rp: { id: 'localhost' }, user: { id: 'x' } })
    const assertion = valid.get(options)
    const cases: unknown[] = [
      { response: assertion, extra: 1 },
      { response: { ...assertion, rawId: 'other' } },
      { response: { ...assertion, type: 'password' } },
      { response: { ...assertion, response: { ...assertion.response, signature: 'not base64url!' } } },
      { response: { ...assertion, response: { ...assertion.response, clientDataJSON: Buffer.from('[]').toString('base64url') } } },
      { response: 'text' },
      {},
    ]
    for (const body of cases) {
      const response = await passkeyCall(server.url, '/auth/passkey/login/verify', body, { jar })
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_request' })
    }
    expect((await passkeyCall(server.url, '/auth/passkey/login/options', { user: 'alice' }, { jar })).status).toBe(400)
    expect((await passkeyCall(server.url, '/auth/passkey/login/options', undefined, { method: 'GET' })).status).toBe(405)
    const big = await passkeyCall(server.url, '/auth/passkey/login/verify', { response: { id: 'a'.repeat(20_000) } }, { jar })
    expect(big.status).toBe(413)
  })
})

describe('passkeys: off', () => {
  it('the shared servers (passkeys off) answer 404 provider_disabled', async () => {
    const response = await passkeyCall(inject('baseUrl'), '/auth/passkey/login/options', {})
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: 'provider_disabled' })
  })
})
