/** Helpers for the passkey tests: a fixture server with passkeys on (localhost siteUrl), JSON calls, registration and login. */
import { afterAll, beforeAll } from 'vitest'
import { CookieJar, REFRESH_COOKIE, loginSession, sameOrigin, send } from './http'
import type { Session, TokenBody } from './http'
import { TEST_SECRET, freePort, startServer } from './server'
import type { RunningServer } from './server'
import type { ClientOverrides } from './webauthn'
import { SoftAuthenticator } from './webauthn'

export interface PasskeyServer {
  /** `http://localhost:PORT`: the siteUrl (RP ID `localhost`), and what requests use. */
  readonly url: string
  output: () => string
}

/** Starts a fixture server for the calling file with passkeys enabled and the mock provider on. */
export function usePasskeyServer(env: Record<string, string> = {}): PasskeyServer {
  let server: RunningServer | undefined
  let url = ''
  beforeAll(async () => {
    const port = String(await freePort())
    url = `http://localhost:${port}`
    server = await startServer({
      NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET,
      NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true',
      NUXT_AEGIS_PASSKEY_ENABLED: 'true',
      PORT: port,
      NUXT_PUBLIC_SITE_URL: url,
      ...env,
    })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })
  return {
    get url() {
      return url
    },
    output: () => server?.output() ?? '',
  }
}

export interface CallOptions {
  jar?: CookieJar
  token?: string
  headers?: Record<string, string>
  method?: string
}

/** A same-origin JSON request to a passkey endpoint, as the app's client sends it. */
export function passkeyCall(site: string, path: string, body: unknown, options: CallOptions = {}): Promise<Response> {
  return send(new URL(path, site), {
    method: options.method ?? 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...sameOrigin(site),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    jar: options.jar,
  })
}

export interface Registered {
  session: Session
  authenticator: SoftAuthenticator
  credentialId: string
}

/** Creation options for the session's user (its jar gets the passkey cookie). */
export async function registrationOptions(site: string, session: Session, jar = session.jar) {
  const response = await passkeyCall(site, '/auth/passkey/register/options', {}, { jar, token: session.token })
  if (response.status !== 200) throw new Error(`register/options answered ${response.status}: ${await response.text()}`)
  return await response.json() as { challenge: string, rp: { id?: string, name: string }, user: { id: string, name: string }, excludeCredentials?: Array<{ id: string }>, authenticatorSelection?: Record<string, unknown> }
}

/** Logs in with the mock persona, registers a passkey on a soft authenticator and returns both. */
export async function registerPasskey(site: string, persona = 'alice', overrides: ClientOverrides = {}, authenticator = new SoftAuthenticator(site)): Promise<Registered> {
  const session = await loginSession(site, persona)
  const options = await registrationOptions(site, session)
  const response = await passkeyCall(site, '/auth/passkey/register/verify', { response: authenticator.create(options, overrides), name: 'Soft key' }, { jar: session.jar, token: session.token })
  if (response.status !== 200) throw new Error(`register/verify answered ${response.status}: ${await response.text()}`)
  const { passkey } = await response.json() as { passkey: { id: string } }
  return { session, authenticator, credentialId: passkey.id }
}

/** Login options in `jar` (which gets the passkey cookie). */
export async function loginOptions(site: string, jar: CookieJar) {
  const response = await passkeyCall(site, '/auth/passkey/login/options', {}, { jar })
  if (response.status !== 200) throw new Error(`login/options answered ${response.status}: ${await response.text()}`)
  return await response.json() as { challenge: string, rpId?: string, allowCredentials?: unknown[], userVerification?: string, timeout?: number }
}

/** A full passkey login in a fresh browser (jar): options, assertion, verify. Returns the verify response. */
export async function passkeyLogin(site: string, authenticator: SoftAuthenticator, overrides: ClientOverrides = {}, jar = new CookieJar()): Promise<{ response: Response, jar: CookieJar }> {
  const options = await loginOptions(site, jar)
  const response = await passkeyCall(site, '/auth/passkey/login/verify', { response: authenticator.get(options, overrides) }, { jar })
  return { response, jar }
}

/** The fixture store's view of a user's passkeys (no keys) and the calls about them. */
export async function storedPasskeys(site: string, userId: string) {
  return await (await fetch(new URL(`/api/test/passkey/credentials?userId=${encodeURIComponent(userId)}`, site))).json() as {
    passkeys: Array<{ id: string, userId: string, counter: number, name?: string, lastUsedAt?: number, deviceType: string }>
    calls: Array<{ call: string, id: string, change?: string, counter?: number }>
  }
}

export { REFRESH_COOKIE, type TokenBody }
