/**
 * Passkeys as a linked sign-in method (defineAccounts on: the fixture's accounts plugin with
 * AEGIS_TEST_ACCOUNTS=1). A passkey is the identity `{ provider: 'passkey', subject: <credential ID> }`:
 * registering one links it to the logged-in user before the credential is saved, a passkey login
 * goes through resolveUser, and removing it is an unlink (never the last method).
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CookieJar, decodeJwt, loginSession, postWithCookie, sameOrigin, send } from '../support/http'
import type { Session, TokenBody } from '../support/http'
import { passkeyCall, passkeyLogin, registrationOptions, storedPasskeys, usePasskeyServer } from '../support/passkey'
import { SoftAuthenticator } from '../support/webauthn'

const server = usePasskeyServer({ AEGIS_TEST_ACCOUNTS: '1' })

/** The fixture's link table: who `(provider, subject)` is linked to; `linkTo` sets (or with null drops) the link first. */
async function owner(provider: string, subject: string, linkTo?: string | null): Promise<string | null> {
  const response = await fetch(new URL('/api/test/accounts', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider, subject, ...(linkTo === undefined ? {} : { linkTo }) }) })
  return (await response.json() as { sub: string | null }).sub
}

const sub = (session: Session) => decodeJwt(session.token).sub as string

/** Registers a passkey for the session's user on `authenticator` (a chosen credential ID with `credentialId`). */
async function register(session: Session, authenticator: SoftAuthenticator, credentialId?: string, name?: string): Promise<Response> {
  const options = await registrationOptions(server.url, session)
  return passkeyCall(server.url, '/auth/passkey/register/verify', { response: authenticator.create(options, credentialId ? { credentialId } : {}), ...(name ? { name } : {}) }, { jar: session.jar, token: session.token })
}

function unlink(session: Session, provider: string, subject: string): Promise<Response> {
  return send(new URL('/auth/unlink', server.url), {
    method: 'POST', body: JSON.stringify({ provider, subject }),
    headers: { 'content-type': 'application/json', 'authorization': `Bearer ${session.token}`, ...sameOrigin(server.url) },
  })
}

const removeCredential = (session: Session, id: string) => passkeyCall(server.url, `/auth/passkey/credentials/${id}`, undefined, { method: 'DELETE', token: session.token })

describe('[ACC-7] passkey registration links the passkey to the logged-in user', () => {
  it('links { passkey, <credential ID> } to the user; a passkey login is that user; logout everywhere ends both methods', async () => {
    const viaMock = await loginSession(server.url, 'carol')
    const userId = sub(viaMock)
    expect(userId).toMatch(/^acct-/)
    const authenticator = new SoftAuthenticator(server.url)
    const registered = await register(viaMock, authenticator)
    expect(registered.status, await registered.clone().text()).toBe(200)
    const { passkey } = await registered.json() as { passkey: { id: string } }
    expect(await owner('passkey', passkey.id)).toBe(userId)
    expect((await storedPasskeys(server.url, userId)).passkeys.map(p => p.id)).toEqual([passkey.id])
    const listed = await (await send(new URL('/auth/identities', server.url), { headers: { authorization: `Bearer ${viaMock.token}` } })).json()
    expect(listed).toEqual({ identities: [{ provider: 'mock', subject: 'mock-carol' }, { provider: 'passkey', subject: passkey.id }] })

    const login = await passkeyLogin(server.url, authenticator)
    expect(login.response.status).toBe(200)
    expect(decodeJwt((await login.response.json() as TokenBody).token)).toMatchObject({ sub: userId, provider: 'passkey' })
    const out = await send(new URL('/auth/logout', server.url), { method: 'POST', jar: login.jar, body: JSON.stringify({ everywhere: true }), headers: { 'content-type': 'application/json', ...sameOrigin(server.url) } })
    expect(out.status).toBe(204)
    expect((await postWithCookie(server.url, '/auth/refresh', viaMock.jar)).status).toBe(401)
  })

  it('a passkey login goes through resolveUser: a credential whose link the app no longer has is refused', async () => {
    const session = await loginSession(server.url, 'gina')
    const authenticator = new SoftAuthenticator(server.url)
    const registered = await register(session, authenticator)
    expect(registered.status).toBe(200)
    const { passkey } = await registered.json() as { passkey: { id: string } }
    expect((await passkeyLogin(server.url, authenticator)).response.status).toBe(200)
    // As a passkey saved before defineAccounts: stored, but linked to nobody. resolveUser refuses it.
    expect(await owner('passkey', passkey.id, null)).toBeNull()
    const refused = await passkeyLogin(server.url, authenticator)
    expect(refused.response.status).toBe(403)
    expect(await refused.response.json()).toMatchObject({ error: 'access_denied' })
    expect(refused.jar.get('nuxt-aegis-refresh')).toBeUndefined()
  })

  it('refuses registration while logged out (no token, or the token of a session that logged out)', async () => {
    const anonymous = await passkeyCall(server.url, '/auth/passkey/register/options', {}, { jar: new CookieJar() })
    expect(anonymous.status).toBe(401)
    const session = await loginSession(server.url, 'dave')
    const options = await registrationOptions(server.url, session)
    expect((await postWithCookie(server.url, '/auth/logout', session.jar)).status).toBe(204)
    const authenticator = new SoftAuthenticator(server.url)
    const afterLogout = await passkeyCall(server.url, '/auth/passkey/register/verify', { response: authenticator.create(options) }, { jar: session.jar, token: session.token })
    expect(afterLogout.status).toBe(401)
    const [credentialId] = authenticator.credentials.keys()
    expect(await owner('passkey', credentialId!)).toBeNull()
    expect((await storedPasskeys(server.url, sub(session))).passkeys).toEqual([])
  })

  it('refuses a credential ID already linked to another user: 409, no credential saved, the link stays', async () => {
    const other = await loginSession(server.url, 'erin')
    const mallory = await loginSession(server.url, 'ivy')
    expect(sub(other)).not.toBe(sub(mallory))
    // The other user's passkey identity (its credential lives elsewhere, e.g. another RP's store).
    const taken = randomBytes(32).toString('base64url')
    await owner('passkey', taken, sub(other))
    const refused = await register(mallory, new SoftAuthenticator(server.url), taken)
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ error: 'identity_already_linked' })
    expect(await owner('passkey', taken)).toBe(sub(other))
    const stored = await storedPasskeys(server.url, sub(mallory))
    expect(stored.passkeys).toEqual([])
    expect(stored.calls).toEqual([])
  })
})

describe('[ACC-7] a registration that fails half-way leaves nothing', () => {
  it('a failing saveCredential undoes the link it followed: no credential, no link', async () => {
    const session = await loginSession(server.url, 'hal')
    const chosen = randomBytes(32).toString('base64url')
    const failed = await register(session, new SoftAuthenticator(server.url), chosen, 'Failing store')
    expect(failed.status).toBe(500)
    expect(await owner('passkey', chosen)).toBeNull()
    expect((await storedPasskeys(server.url, sub(session))).passkeys).toEqual([])
  })
})

describe('[ACC-8] a passkey is a sign-in method: removing it is an unlink, never of the last method', () => {
  it('refuses to remove the last method (the passkey, by either route); removes it while another is left', async () => {
    const session = await loginSession(server.url, 'jo')
    const userId = sub(session)
    const authenticator = new SoftAuthenticator(server.url)
    const { passkey } = await (await register(session, authenticator)).json() as { passkey: { id: string } }
    // Two methods: the mock identity goes; the passkey is the last one left.
    expect((await unlink(session, 'mock', 'mock-jo')).status).toBe(200)
    for (const attempt of [() => removeCredential(session, passkey.id), () => unlink(session, 'passkey', passkey.id)]) {
      const refused = await attempt()
      expect(refused.status).toBe(409)
      expect(await refused.json()).toMatchObject({ error: 'last_identity' })
    }
    expect((await storedPasskeys(server.url, userId)).passkeys.map(p => p.id)).toEqual([passkey.id])
    expect(await owner('passkey', passkey.id)).toBe(userId)
    const login = await passkeyLogin(server.url, authenticator)
    expect(login.response.status).toBe(200)
    const viaPasskey = { jar: login.jar, token: (await login.response.json() as TokenBody).token } as Session
    expect(sub(viaPasskey)).toBe(userId)

    // A second passkey: now one of them can go, credential and link together.
    const second = new SoftAuthenticator(server.url)
    const added = await (await register({ ...viaPasskey, jar: new CookieJar() }, second)).json() as { passkey: { id: string } }
    expect((await unlink(viaPasskey, 'passkey', passkey.id)).status).toBe(200)
    expect((await storedPasskeys(server.url, userId)).passkeys.map(p => p.id)).toEqual([added.passkey.id])
    expect(await owner('passkey', passkey.id)).toBeNull()
    expect((await passkeyLogin(server.url, authenticator)).response.status).toBe(401)
    // The last one left stays.
    expect((await removeCredential(viaPasskey, added.passkey.id)).status).toBe(409)
    expect((await passkeyLogin(server.url, second)).response.status).toBe(200)
  })
})
