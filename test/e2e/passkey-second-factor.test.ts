import { describe, expect, it } from 'vitest'
import { loginSession } from '../support/http'
import { postJson } from '../support/password'
import { passkeyCall, usePasskeyServer } from '../support/passkey'
import { authenticator, secretOf } from '../support/totp'

// A user with a second factor adds a passkey only from a session that used the factor: a
// one-factor session (an OAuth login, one from before enrolment, a stolen cookie) could
// otherwise register a key whose logins skip the factor for good.
const server = usePasskeyServer()
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('[PASSKEY-2] [MFA-3] passkey registration of a user with a second factor', () => {
  it('is refused with 403 mfa_required from a session that did not use the factor', async () => {
    const session = await loginSession(server.url, 'alice')
    // Before enrolment a one-factor session may register (nothing to skip yet).
    expect((await passkeyCall(server.url, '/auth/passkey/register/options', {}, { jar: session.jar, token: session.token })).status).toBe(200)
    const enrol = await postJson(server.url, '/auth/mfa/totp/enroll', {}, { headers: bearer(session.token) })
    expect(enrol.status).toBe(200)
    const app = authenticator(secretOf((await enrol.json()).uri))
    expect((await postJson(server.url, '/auth/mfa/totp/confirm', { code: await app.code() }, { headers: bearer(session.token) })).status).toBe(200)

    for (const path of ['/auth/passkey/register/options', '/auth/passkey/register/verify']) {
      const refused = await passkeyCall(server.url, path, path.endsWith('verify') ? { response: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'AA' } } } : {}, { jar: session.jar, token: session.token })
      expect(refused.status, path).toBe(403)
      expect((await refused.json()).error, path).toBe('mfa_required')
    }
  })
})
