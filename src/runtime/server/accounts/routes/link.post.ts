import { defineEventHandler, getRouterParam, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { useAegis } from '../../context/services'
import { BUILTIN_PROVIDERS } from '../../oauth/providers/index'
import { safeRedirectPath } from '../../protection/redirects'
import { useAccounts } from '../registry'
import { bearerUser, linkingSession } from '../link'
import { startLinkIntent } from '../link-intent'
import { assertSecondFactorUsed } from '../../credentials/signin'

/**
 * POST {authPath}/link/:provider (Bearer, same-origin, JSON `{ redirectTo? }`): starts linking
 * another sign-in method to the logged-in user. Answers `{ url }`, the provider login to open in
 * this browser; it ends in the app's `linkIdentity` for this user instead of a new login.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const accounts = useAccounts()
  if (!accounts) throw new AegisError(404, 'not_found', 'account linking needs defineAccounts')
  const body = await readJsonObject(event)
  const user = bearerUser(event)
  const provider = getRouterParam(event, 'provider') ?? ''
  const aegis = useAegis()
  if (!/^[a-z][\w-]{0,63}$/i.test(provider) || !(aegis.definitions.has(provider) || (BUILTIN_PROVIDERS[provider] && aegis.config.providers[provider]))) {
    throw new AegisError(404, 'provider_disabled', `link to unknown provider ${provider.slice(0, 64)}`)
  }
  if (typeof user.sid !== 'string') throw new AegisError(409, 'link_failed', 'linking needs a session (tokenRefresh.enabled)')
  // This browser's session must be the token's: a token copied elsewhere cannot start a link here.
  await linkingSession(event, { sub: user.sub, sid: user.sid })
  await assertSecondFactorUsed(event, user)
  const redirectTo = safeRedirectPath(body.redirectTo)
  const intent = startLinkIntent(event, { sub: user.sub, sid: user.sid, provider, redirectTo })
  return { url: `${aegis.config.endpoints.authPath}/${provider}?link=${intent.nonce}` }
}))
