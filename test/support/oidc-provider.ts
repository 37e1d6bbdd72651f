/**
 * A real OpenID provider for e2e and browser tests: panva's oidc-provider on 127.0.0.1, with
 * one confidential client (client_secret_basic), PKCE required, and its development login and
 * consent forms (any login name, any password; the login name becomes the subject).
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export const OIDC_CLIENT = { clientId: 'aegis-e2e', clientSecret: 'aegis-e2e-secret-0123456789abcdef' }

export interface RunningOidcProvider {
  issuer: string
  stop: () => Promise<void>
}

export async function startOidcProvider(redirectUris: string[]): Promise<RunningOidcProvider> {
  // Listen first: the issuer URL must carry the port before the provider is created.
  const server: Server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT.clientId,
      client_secret: OIDC_CLIENT.clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    cookies: { keys: ['aegis-e2e-cookie-key-0123456789'] },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@oidc.example.test`, email_verified: true, name: `OIDC ${sub}`, preferred_username: sub }),
    }),
  })
  server.on('request', provider.callback())
  return {
    issuer,
    stop: async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    },
  }
}
