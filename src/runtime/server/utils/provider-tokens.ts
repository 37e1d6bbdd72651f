import type { H3Event } from 'h3'
import { AegisError, isAegisError, toH3Error } from '../core/errors'
import { providerReady, refreshGrant } from '../oauth/engine'
import { BUILTIN_PROVIDERS } from '../oauth/providers'
import { fromTokenResponse, keepsTokens } from '../sessions/provider-tokens'
import type { ProviderRefresh } from '../sessions/provider-tokens'
import { providerConfig } from '../oauth/login'
import { engineContext, providerFetch, useAegis } from '../context/services'
import { getAuthUser } from './auth'
import { upstreamRefresh, upstreamSource } from '../credentials/upstream'

/**
 * A valid access token of the provider the user logged in with (or of `provider`), for calling
 * that provider's API from a server route. It is kept on the server with the session when the
 * provider has `keepTokens: true` (an OAuth provider, or a credentials login's backend with
 * `defineCredentialsEventHandler({ keepTokens: true, refreshTokens })`), and refreshed with the provider's refresh token when it is
 * about to expire (one refresh at a time per session). Never send it to the browser.
 *
 * Throws (as an h3 error whose `data` is `{ error, message }`):
 * - 401 `unauthorized`: no valid access token on the request;
 * - 409 `provider_token_unavailable`: this session keeps no token of that provider
 *   (`keepTokens` is off, another provider, sessions are off, or an impersonation token);
 * - 401 `provider_reauth_required`: the provider's tokens expired, the provider refused the
 *   refresh, or the session ended (logout, reuse): log in with the provider again;
 * - 502 `provider_unavailable` / `provider_error`: the provider could not refresh right now;
 * - 503 `storage_unavailable`: the session store failed.
 */
export async function getProviderToken(event: H3Event, provider?: string): Promise<string> {
  const user = await getAuthUser(event)
  const name = provider ?? user.provider
  try {
    const aegis = useAegis()
    // Under impersonation `sid` is the actor's session: its provider tokens are the actor's, not the target's.
    if (user.act !== undefined) throw new AegisError(409, 'provider_token_unavailable', 'no provider tokens under impersonation')
    // A credentials login's backend (keepTokens on defineCredentialsEventHandler).
    const upstream = upstreamSource(name)
    if (upstream) {
      if (!aegis.config.tokenRefresh.enabled || typeof user.sid !== 'string' || name !== user.provider) {
        throw new AegisError(409, 'provider_token_unavailable', `no ${name} tokens are kept for this session`)
      }
      const token = await aegis.sessions.providerTokens.access(user.sid, name!, upstreamRefresh(name!, upstream, event), undefined, upstream.timeoutMs)
      if (!token) throw new AegisError(401, 'provider_reauth_required', `no ${name} tokens left for this session (ended, expired or refused)`)
      return token
    }
    const def = aegis.definitions.get(name ?? '') ?? BUILTIN_PROVIDERS[name ?? '']
    const config = def && providerConfig(def, aegis.handlers.get(def.name) ?? {})
    const keeps = keepsTokens(config) && aegis.config.tokenRefresh.enabled
    if (!def || !config || !keeps || typeof user.sid !== 'string' || name !== user.provider) {
      throw new AegisError(409, 'provider_token_unavailable', `no ${name ?? 'provider'} tokens are kept for this session`)
    }
    const ctx = engineContext(event)
    const fetcher = providerFetch(def, config, ctx)
    const refresh: ProviderRefresh = async (current) => {
      const response = await refreshGrant(def, config, current.refreshToken, ctx, fetcher)
      const next = fromTokenResponse(def.name, response, Date.now())
      if (!next) throw new AegisError(502, 'provider_error', `refresh response of ${def.name} has no access_token`)
      return next
    }
    const prepare = () => providerReady(def, config, ctx, fetcher)
    const token = await aegis.sessions.providerTokens.access(user.sid, def.name, refresh, prepare, Number(config.timeout) || undefined)
    // The provider keeps tokens and the user logged in with it: none left means they ended.
    if (!token) throw new AegisError(401, 'provider_reauth_required', `no ${def.name} tokens left for this session (ended, expired or refused)`)
    return token
  }
  catch (error) {
    if (!isAegisError(error)) throw error
    throw toH3Error(event, error)
  }
}
