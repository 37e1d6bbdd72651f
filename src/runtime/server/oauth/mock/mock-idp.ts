import type { MockUser } from '../../../types'
import { pkceChallenge, randomToken, safeEqual, sha256 } from '../../core/crypto'
import { TtlMap } from '../../core/ttl-map'

/**
 * The built-in mock identity provider: a tiny authorization server with personas. It
 * checks what a real one checks (client, redirect_uri, PKCE S256, single-use codes) so the
 * engine is exercised for real, and can simulate provider errors with `mock_error`.
 */
export interface MockIdpConfig {
  clientId: string
  clientSecret?: string
  mockUsers: Record<string, MockUser>
  defaultUser?: string
}

export const DEFAULT_MOCK_USERS: Record<string, MockUser> = {
  alice: { sub: 'mock-alice', name: 'Alice Example', email: 'alice@example.com', email_verified: true, role: 'admin' },
  bob: { sub: 'mock-bob', name: 'Bob Example', email: 'bob@example.com', email_verified: false, role: 'user' },
}

/** Errors the mock can be asked to simulate (the error codes of RFC 6749 §4.1.2.1). */
export const MOCK_ERRORS = new Set(['access_denied', 'invalid_request', 'unauthorized_client', 'invalid_scope', 'server_error', 'temporarily_unavailable'])

export type AuthorizeResult
  = | { type: 'redirect', location: string }
  /** The request cannot be trusted enough to redirect back (RFC 6749 §4.1.2.1): show an error instead. */
    | { type: 'error', status: number, error: string }

export type TokenResult
  = | { status: 200, body: { access_token: string, token_type: 'Bearer', expires_in: number, scope: string } }
    | { status: 400 | 401, body: { error: string } }

interface Grant { persona: string, challenge: string, redirectUri: string, scope: string }

export function createMockIdp(getConfig: () => MockIdpConfig) {
  const grants = new TtlMap<Grant>(1000)
  const accessTokens = new TtlMap<string>(1000)

  function personaKey(config: MockIdpConfig, requested: string | undefined): string | undefined {
    const key = requested || config.defaultUser || Object.keys(config.mockUsers)[0]
    return key !== undefined && Object.hasOwn(config.mockUsers, key) ? key : undefined
  }

  return {
    /** `redirectUri` is the only redirect_uri registered for the client (the app's mock route). */
    authorize(params: Record<string, string | undefined>, redirectUri: string): AuthorizeResult {
      const config = getConfig()
      if (params.client_id !== config.clientId) return { type: 'error', status: 400, error: 'unauthorized_client' }
      if (params.redirect_uri !== redirectUri) return { type: 'error', status: 400, error: 'invalid_redirect_uri' }
      const back = new URL(redirectUri)
      if (params.state) back.searchParams.set('state', params.state)
      const fail = (error: string) => {
        back.searchParams.set('error', error)
        return { type: 'redirect' as const, location: back.href }
      }
      if (params.mock_error) return fail(MOCK_ERRORS.has(params.mock_error) ? params.mock_error : 'server_error')
      if (params.response_type !== 'code') return fail('unsupported_response_type')
      if (params.code_challenge_method !== 'S256' || !params.code_challenge) return fail('invalid_request')
      const persona = personaKey(config, params.user)
      if (!persona) return fail('access_denied')
      const code = randomToken(32)
      grants.set(sha256(code), { persona, challenge: params.code_challenge, redirectUri, scope: params.scope ?? '' }, 60_000)
      back.searchParams.set('code', code)
      return { type: 'redirect', location: back.href }
    },

    token(form: Record<string, string | undefined>, basicAuth?: { id: string, secret: string }): TokenResult {
      const config = getConfig()
      const clientId = basicAuth?.id ?? form.client_id
      const clientSecret = basicAuth?.secret ?? form.client_secret
      if (clientId !== config.clientId) return { status: 401, body: { error: 'invalid_client' } }
      if (config.clientSecret && !(clientSecret && safeEqual(clientSecret, config.clientSecret))) return { status: 401, body: { error: 'invalid_client' } }
      if (form.grant_type !== 'authorization_code') return { status: 400, body: { error: 'unsupported_grant_type' } }
      const grant = form.code ? grants.take(sha256(form.code)) : undefined
      if (!grant || form.redirect_uri !== grant.redirectUri) return { status: 400, body: { error: 'invalid_grant' } }
      if (!form.code_verifier || !safeEqual(pkceChallenge(form.code_verifier), grant.challenge)) return { status: 400, body: { error: 'invalid_grant' } }
      const accessToken = randomToken(32)
      accessTokens.set(sha256(accessToken), grant.persona, 300_000)
      return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: grant.scope } }
    },

    userinfo(accessToken: string | undefined): Record<string, unknown> | undefined {
      const persona = accessToken ? accessTokens.get(sha256(accessToken)) : undefined
      if (!persona) return undefined
      const user = getConfig().mockUsers[persona]
      if (!user) return undefined
      return { ...user, sub: typeof user.sub === 'string' && user.sub ? user.sub : `mock-${persona}` }
    },
  }
}

export type MockIdp = ReturnType<typeof createMockIdp>
