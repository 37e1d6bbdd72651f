import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { TokenReuseError } from '../sessions'
import { clearRefreshCookie, clearSessionHint, getRefreshCookie, setRefreshCookie } from '../../context/cookies'
import { assertSameOrigin } from '../../context/http'
import { accessTokenResponse, refreshedClaims } from '../../tokens/issue'
import { useAegis } from '../../context/services'
import { requestDevice } from '../device'
import { callAegisHook, reportTokenReuse } from '../../context/hooks'

/** POST {authPath}/refresh: rotate the refresh cookie and return a new access token. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const { sessions } = useAegis()
  const cookie = getRefreshCookie(event)
  if (!cookie) {
    // A hint that outlived its cookie: clear it, so the browser stops asking.
    clearSessionHint(event)
    throw new AegisError(401, 'invalid_refresh_token', 'no refresh cookie')
  }
  let next
  try {
    next = await sessions.rotate(cookie.token, refreshedClaims, { legacyCookie: cookie.legacy, device: requestDevice(event) })
  }
  catch (error) {
    // An invalid token clears the cookie; a storage failure (503) or a conflict (409) keeps it so a retry works.
    if (error instanceof AegisError && error.statusCode === 401) clearRefreshCookie(event)
    if (error instanceof TokenReuseError) await reportTokenReuse(event, error)
    throw error
  }
  // Re-set even without rotation: it renews the cookie's Max-Age with the session.
  setRefreshCookie(event, next.token, next.maxAge)
  await callAegisHook('nuxt-aegis:refresh', { user: next.session.user, session: fingerprint(next.session.familyId), event })
  return accessTokenResponse(next.session.user, next.session.claims, { familyId: next.session.familyId, amr: next.session.amr })
}))
