import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CookieJar, loginSession } from '../support/http'
import { TEST_SECRET, startExpectingFailure } from '../support/server'
import { passkeyCall, passkeyLogin, registerPasskey, registrationOptions, usePasskeyServer } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

// A store that matches credential IDs case-insensitively, user verification required, a small
// login budget per IP (trusted X-Forwarded-For, so each test has its own IP).
const server = usePasskeyServer({
  AEGIS_TEST_LOOSE_COLLATION: '1',
  NUXT_AEGIS_PASSKEY_USER_VERIFICATION: 'required',
  NUXT_AEGIS_PASSKEY_RATE_LIMIT_LOGIN_PER_IP_LIMIT: '4',
  NUXT_AEGIS_TRUST_PROXY: '1',
})

/** The ID with its letters' case swapped: another ID for an exact compare, the same for a loose store. */
function caseSwapped(id: string): string {
  return [...id].map(c => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')
}

describe('passkeys with a loose store, required user verification and a small rate limit', () => {
  it('registration options and assertions require user verification', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const session = await loginSession(server.url, 'alice')
    expect((await registrationOptions(server.url, session)).authenticatorSelection).toMatchObject({ userVerification: 'required' })
    const { response } = await passkeyLogin(server.url, authenticator, { userVerified: false })
    expect(response.status).toBe(401)
    expect((await passkeyLogin(server.url, authenticator)).response.status).toBe(200)
  })

  it('a registration without user verification is refused', async () => {
    const session = await loginSession(server.url, 'alice')
    const options = await registrationOptions(server.url, session)
    const response = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: new SoftAuthenticator(server.url).create(options, { userVerified: false }) }, { jar: session.jar, token: session.token })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
  })

  it('a credential ID that the store matches loosely is another credential: no login, no overwrite', async () => {
    // 33 bytes: 44 base64url characters without spare bits, so the swapped text is an ID of its own.
    const { authenticator, credentialId } = await registerPasskey(server.url, 'alice', { credentialId: randomBytes(33).toString('base64url') })
    const swapped = caseSwapped(credentialId)
    expect(swapped).not.toBe(credentialId)
    // An attacker's authenticator with the case-swapped ID.
    const attacker = new SoftAuthenticator(server.url)
    const bob = await loginSession(server.url, 'bob')
    const registration = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: attacker.create(await registrationOptions(server.url, bob), { credentialId: swapped }) }, { jar: bob.jar, token: bob.token })
    expect(registration.status).toBe(409)
    // Its assertion finds alice's credential in the loose store: refused as unknown.
    const { response } = await passkeyLogin(server.url, attacker, { credentialId: swapped })
    expect(response.status).toBe(401)
    expect((await passkeyLogin(server.url, authenticator)).response.status).toBe(200)
  })

  it('login options and verifications are rate-limited per client IP (429 with Retry-After)', async () => {
    const ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`
    const jar = new CookieJar()
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 5; i++) {
      last = await passkeyCall(server.url, '/auth/passkey/login/options', {}, { jar, headers: { 'x-forwarded-for': ip } })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429])
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await last!.json()).toMatchObject({ error: 'too_many_requests' })
    // Another IP has its own budget.
    expect((await passkeyCall(server.url, '/auth/passkey/login/options', {}, { jar, headers: { 'x-forwarded-for': ip.replace('10.9.', '10.8.') } })).status).toBe(200)
  })
})

describe('passkeys: start-up', () => {
  it('refuse to start in production without siteUrl, naming the option and the env var', async () => {
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PASSKEY_ENABLED: 'true' })
    expect(code).not.toBe(0)
    expect(output).toContain('nuxtAegis.providers.passkey needs nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL)')
  })

  it('refuse an unknown user-verification policy and an IP address as RP ID', async () => {
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PASSKEY_ENABLED: 'true', NUXT_PUBLIC_SITE_URL: 'http://127.0.0.1:3000', NUXT_AEGIS_PASSKEY_USER_VERIFICATION: 'sometimes' })
    expect(code).not.toBe(0)
    expect(output).toContain('NUXT_AEGIS_PASSKEY_USER_VERIFICATION')
    expect(output).toContain('is an IP address (127.0.0.1)')
  })
})
