import type { H3Event } from 'h3'
import type { AegisUser, CustomClaims, ProviderTokens, TokenResponse } from '../../types'
import { authenticationMethods, resolveCustomClaims } from '../tokens/claims'
import { fingerprint } from '../core/crypto'
import { log } from '../core/errors'
import { refreshCookieHostPrefixed, setRefreshCookie } from '../context/cookies'
import { callAegisHook, runUserInfoHooks } from '../context/hooks'
import { accessTokenResponse } from '../tokens/issue'
import { requestDevice } from '../sessions/sessions'
import { useAegis } from '../context/services'
import type { ProviderTokenSet } from '../sessions/provider-tokens'

export interface SignInOptions {
  /** How the user authenticated (RFC 8176 `amr` values, e.g. `['pwd']`, `['hwk', 'user']`). */
  amr?: string[]
  /**
   * The backend's tokens of a credentials login (`keepTokens`): kept with the new session as
   * provider tokens of `provider` (encrypted at rest with the session, removed with it), for
   * `getProviderToken(event, provider)`. A step between the password and the session (a second
   * factor) carries them sealed and passes them here.
   */
  upstream?: ProviderTokenSet
  /** The login's tokens as the userInfo and success hooks and the claims function see them. */
  tokens?: ProviderTokens
}

/**
 * Logs a user in from a credentials endpoint: the same steps and the same answer as a
 * provider login followed by `POST /auth/token` (userInfo hooks, custom claims, a new session
 * with its refresh cookie, the success hook, `{ token, tokenType, expiresIn }`). There is no
 * CODE: the request itself is the same-origin POST that receives the tokens.
 * `user` must already be free of passwords and hashes.
 */
export async function signIn(event: H3Event, provider: string, initial: AegisUser, customClaims?: CustomClaims, options: SignInOptions = {}): Promise<TokenResponse> {
  const { sessions, config } = useAegis()
  const tokens = options.tokens ?? {}
  let user = await runUserInfoHooks({ user: { ...initial, provider }, tokens, provider, event })
  user = { ...user, provider, sub: initial.sub }
  const claims = await resolveCustomClaims(customClaims, user, options.tokens)
  // Stored on the session apart from the claims, so every refreshed token says how the login was made.
  const amr = options.amr && authenticationMethods(options.amr)
  let familyId: string | undefined
  if (config.tokenRefresh.enabled) {
    const session = await sessions.create({ user, claims, amr, providerTokens: options.upstream, hostCookie: refreshCookieHostPrefixed(event), device: requestDevice(event) })
    familyId = session.session.familyId
    setRefreshCookie(event, session.token, session.maxAge)
  }
  await callAegisHook('nuxt-aegis:success', { user, tokens, provider, event })
  log.debug(`${provider} login for ${fingerprint(user.sub)}`)
  return accessTokenResponse(user, claims, { familyId, amr })
}
