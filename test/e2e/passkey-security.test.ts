import { describe, expect, it } from 'vitest'
import { CookieJar, loginSession } from '../support/http'
import { loginOptions, passkeyCall, passkeyLogin, registerPasskey, registrationOptions, storedPasskeys, usePasskeyServer } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

const server = usePasskeyServer()
const verifyLogin = (body: unknown, jar: CookieJar) => passkeyCall(server.url, '/auth/passkey/login/verify', body, { jar })

describe('passkey challenges: single use, bound to the browser and the user', () => {
  it('a replayed login (same challenge, same signed response) is refused', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const jar = new CookieJar()
    const assertion = authenticator.get(await loginOptions(server.url, jar))
    expect((await verifyLogin({ response: assertion }, jar)).status).toBe(200)
    const replay = await verifyLogin({ response: assertion }, jar)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_challenge' })
  })

  it('of two parallel verifications of one challenge exactly one wins', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const jar = new CookieJar()
    const options = await loginOptions(server.url, jar)
    // Different counters, so that only the challenge decides.
    const responses = await Promise.all([authenticator.get(options, { counter: 50 }), authenticator.get(options, { counter: 51 })].map(response => verifyLogin({ response }, jar)))
    expect(responses.map(r => r.status).sort()).toEqual([200, 400])
  })

  it('a challenge presented from another browser (other cookie, or none) is refused and stays usable by its own browser', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const asker = new CookieJar()
    const options = await loginOptions(server.url, asker)
    const other = new CookieJar()
    await loginOptions(server.url, other) // the other browser has a binding of its own
    const stolen = await verifyLogin({ response: authenticator.get(options, { counter: 100 }) }, other)
    expect(stolen.status).toBe(400)
    expect(await stolen.json()).toMatchObject({ error: 'invalid_challenge' })
    expect((await verifyLogin({ response: authenticator.get(options, { counter: 101 }) }, new CookieJar())).status).toBe(400)
    expect((await verifyLogin({ response: authenticator.get(options, { counter: 102 }) }, asker)).status).toBe(200)
  })

  it('a registration challenge only serves the user who asked for it', async () => {
    const alice = await loginSession(server.url, 'alice')
    const bob = await loginSession(server.url, 'bob')
    const options = await registrationOptions(server.url, alice)
    const before = (await storedPasskeys(server.url, 'mock-bob')).passkeys.length
    // Bob's token with alice's browser binding and challenge.
    const response = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: new SoftAuthenticator(server.url).create(options) }, { jar: alice.jar, token: bob.token })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_challenge' })
    expect((await storedPasskeys(server.url, 'mock-bob')).passkeys.length).toBe(before)
  })

  it('a login challenge cannot complete a registration', async () => {
    const session = await loginSession(server.url, 'alice')
    const options = await loginOptions(server.url, session.jar)
    const creation = new SoftAuthenticator(server.url).create({ challenge: options.challenge, rp: { id: 'localhost' }, user: { id: 'x' } })
    const response = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: creation }, { jar: session.jar, token: session.token })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_challenge' })
  })
})

describe('passkey assertions: origin, RP ID, credential, user handle, counter', () => {
  it('a wrong origin in the client data is refused (login and registration)', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const { response } = await passkeyLogin(server.url, authenticator, { origin: 'https://evil.example' })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
    const session = await loginSession(server.url, 'alice')
    const options = await registrationOptions(server.url, session)
    const registration = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: new SoftAuthenticator('https://evil.example').create(options) }, { jar: session.jar, token: session.token })
    expect(registration.status).toBe(400)
    expect(await registration.json()).toMatchObject({ error: 'invalid_passkey' })
  })

  it('a wrong RP ID in the authenticator data is refused (login and registration)', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const { response } = await passkeyLogin(server.url, authenticator, { rpID: 'evil.example' })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
    const session = await loginSession(server.url, 'alice')
    const options = await registrationOptions(server.url, session)
    const registration = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: new SoftAuthenticator(server.url).create(options, { rpID: 'evil.example' }) }, { jar: session.jar, token: session.token })
    expect(registration.status).toBe(400)
  })

  it('an unknown credential is refused', async () => {
    const stranger = new SoftAuthenticator(server.url)
    stranger.create({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'nobody' } })
    const { response } = await passkeyLogin(server.url, stranger)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
  })

  it('an assertion of another user\'s handle, or of the wrong type, is refused', async () => {
    const { authenticator } = await registerPasskey(server.url, 'alice')
    const bobHandle = (await registrationOptions(server.url, await loginSession(server.url, 'bob'))).user.id
    expect((await passkeyLogin(server.url, authenticator, { userHandle: bobHandle })).response.status).toBe(401)
    expect((await passkeyLogin(server.url, authenticator, { type: 'webauthn.create' })).response.status).toBe(401)
    expect((await passkeyLogin(server.url, authenticator)).response.status).toBe(200)
  })

  it('a signature counter that does not move forward (a cloned authenticator) is refused and not stored', async () => {
    const { authenticator, credentialId } = await registerPasskey(server.url, 'alice')
    expect((await passkeyLogin(server.url, authenticator, { counter: 5 })).response.status).toBe(200)
    for (const counter of [5, 3]) {
      const { response } = await passkeyLogin(server.url, authenticator, { counter })
      expect(response.status, `counter ${counter}`).toBe(401)
      expect(await response.json()).toMatchObject({ error: 'invalid_passkey' })
    }
    expect((await storedPasskeys(server.url, 'mock-alice')).passkeys.find(p => p.id === credentialId)!.counter).toBe(5)
    expect(server.output()).toContain('signature counter did not increase')
  })

  it('a registration with a credential ID that is already registered (another user\'s) is refused, never overwritten', async () => {
    const { authenticator, credentialId } = await registerPasskey(server.url, 'alice')
    const bob = await loginSession(server.url, 'bob')
    const options = await registrationOptions(server.url, bob)
    const response = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: new SoftAuthenticator(server.url).create(options, { credentialId }) }, { jar: bob.jar, token: bob.token })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({ error: 'passkey_exists' })
    // Alice's passkey is intact and still hers.
    const { response: login } = await passkeyLogin(server.url, authenticator)
    expect(login.status).toBe(200)
  })
})

describe('passkey endpoints: who may call them', () => {
  const crossSite = { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' }

  it('cross-site POSTs and DELETEs are refused with 403 and change nothing', async () => {
    const { session, authenticator, credentialId } = await registerPasskey(server.url, 'alice')
    const jar = new CookieJar()
    const options = await loginOptions(server.url, jar)
    const assertion = authenticator.get(options)
    for (const path of ['/auth/passkey/login/options', '/auth/passkey/register/options']) {
      expect((await passkeyCall(server.url, path, {}, { jar, token: session.token, headers: crossSite })).status, path).toBe(403)
    }
    expect((await passkeyCall(server.url, '/auth/passkey/login/verify', { response: assertion }, { jar, headers: crossSite })).status).toBe(403)
    const removal = await passkeyCall(server.url, `/auth/passkey/credentials/${credentialId}`, undefined, { method: 'DELETE', token: session.token, headers: crossSite })
    expect(removal.status).toBe(403)
    expect((await storedPasskeys(server.url, 'mock-alice')).passkeys.map(p => p.id)).toContain(credentialId)
    // The refused verification did not spend the challenge.
    expect((await verifyLogin({ response: assertion }, jar)).status).toBe(200)
  })

  it('registering, listing and removing need a valid access token', async () => {
    const jar = new CookieJar()
    for (const path of ['/auth/passkey/register/options', '/auth/passkey/register/verify']) {
      const response = await passkeyCall(server.url, path, path.endsWith('verify') ? { response: {} } : {}, { jar })
      expect(response.status, path).toBe(401)
      expect(await response.json()).toMatchObject({ error: 'unauthorized' })
    }
    expect((await passkeyCall(server.url, '/auth/passkey/register/options', {}, { jar, token: 'not-a-token' })).status).toBe(401)
    expect((await passkeyCall(server.url, '/auth/passkey/credentials', undefined, { method: 'GET' })).status).toBe(401)
    expect((await passkeyCall(server.url, '/auth/passkey/credentials/abc', undefined, { method: 'DELETE' })).status).toBe(401)
  })

  it('a user cannot remove or list another user\'s passkey', async () => {
    const { credentialId } = await registerPasskey(server.url, 'alice')
    const bob = await loginSession(server.url, 'bob')
    const removal = await passkeyCall(server.url, `/auth/passkey/credentials/${credentialId}`, undefined, { method: 'DELETE', token: bob.token })
    expect(removal.status).toBe(404)
    const alice = await storedPasskeys(server.url, 'mock-alice')
    expect(alice.passkeys.map(p => p.id)).toContain(credentialId)
    expect(alice.calls.filter(c => c.call === 'delete' && c.id === credentialId)).toEqual([])
    const list = await (await passkeyCall(server.url, '/auth/passkey/credentials', undefined, { method: 'GET', token: bob.token })).json() as { passkeys: Array<{ id: string }> }
    expect(list.passkeys.map(p => p.id)).not.toContain(credentialId)
  })
})
