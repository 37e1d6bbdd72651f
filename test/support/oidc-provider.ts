/**
 * A real OpenID provider for e2e and browser tests: panva's oidc-provider on 127.0.0.1, with
 * one confidential client (client_secret_basic), PKCE required, and its development login and
 * consent forms (any login name, any password; the login name becomes the subject).
 *
 * It issues refresh tokens (rotated on every use; a reused one revokes the grant) and access
 * tokens that live PROVIDER_ACCESS_TOKEN_TTL seconds, so provider-token refresh is tested for
 * real. Accounts whose login starts with `short-rt` get refresh tokens that expire before their
 * first access token does.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export const OIDC_CLIENT = { clientId: 'aegis-e2e', clientSecret: 'aegis-e2e-secret-0123456789abcdef' }
/** Seconds the provider's access tokens live. */
export const PROVIDER_ACCESS_TOKEN_TTL = 5
/** Seconds the refresh tokens of `short-rt*` accounts live. */
export const SHORT_REFRESH_TOKEN_TTL = 2

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
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    // Refresh tokens without `offline_access`, rotated on every use.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed: (type: string) => boolean }) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: PROVIDER_ACCESS_TOKEN_TTL,
      RefreshToken: (_ctx: unknown, token: { accountId?: string }) => (token.accountId?.startsWith('short-rt') ? SHORT_REFRESH_TOKEN_TTL : 86_400),
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 86_400,
    },
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
