import type { ProviderTokens } from '../../types'
import { AegisError, log } from '../core/errors'
import { useAegis } from '../context/services'
import { warnKeepTokens } from '../sessions/provider-tokens'
import type { ProviderTokenSet } from '../sessions/provider-tokens'
import { asProviderTokens, splitAuthorizeResult, upstreamTokenSet } from './upstream'
import type { CredentialsUser } from '../utils/credentials'

const warnedDropped = new Set<string>()

/**
 * Splits what a credentials `authorize` returned into the user and, with `keepTokens`, the
 * backend's tokens to keep with the session. Without `refreshTokens` the refresh token is not
 * kept: nothing could use it. Tokens returned without `keepTokens` reach the hooks only.
 */
export function keptUpstream(
  provider: string,
  result: Record<string, unknown>,
  options: { keepTokens?: boolean, refreshTokens?: unknown },
): { user: CredentialsUser, upstream?: ProviderTokenSet, tokens?: ProviderTokens } {
  const { user, tokens } = splitAuthorizeResult(result)
  if (tokens === undefined || tokens === null) {
    if (options.keepTokens) log.warn(`${provider}: keepTokens is on but authorize returned no tokens; getProviderToken answers provider_reauth_required for this session`)
    return { user }
  }
  let set: ProviderTokenSet
  try {
    set = upstreamTokenSet(provider, tokens, Date.now())
  }
  catch (error) {
    throw new AegisError(500, 'server_error', `${provider}: authorize returned unusable tokens: ${(error as Error).message}`)
  }
  if (!options.keepTokens) {
    if (!warnedDropped.has(provider)) {
      warnedDropped.add(provider)
      log.warn(`${provider}: authorize returned tokens but keepTokens is off: they reach the hooks and are not kept`)
    }
    return { user, tokens: asProviderTokens(set, set.obtainedAt) }
  }
  const { config } = useAegis()
  warnKeepTokens([provider], { sessions: config.tokenRefresh.enabled, encrypted: config.encryption.enabled, production: process.env.NODE_ENV === 'production' })
  const kept: ProviderTokenSet = typeof options.refreshTokens === 'function' ? set : { ...set, refreshToken: undefined }
  return { user, upstream: config.tokenRefresh.enabled ? kept : undefined, tokens: asProviderTokens(set, set.obtainedAt) }
}
