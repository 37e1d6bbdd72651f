import type { H3Event } from 'h3'
import { defineEventHandler, getRequestHeader, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { TokenReuseError } from '../sessions'
import { clearRefreshCookie, clearSessionHint, getRefreshCookie, setRefreshCookie } from '../../context/cookies'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { accessTokenResponse, recomputedClaims, refreshedClaims } from '../../tokens/issue'
import type { Session } from '../sessions'
import { useAegis } from '../../context/services'
import { requestDevice } from '../device'
import { assertStillLive } from '../in-flight'
import { callAegisHook, reportTokenReuse } from '../../context/hooks'

/**
 * POST {authPath}/refresh: rotate the refresh cookie and return a new access token. With the JSON
 * body `{ "updateClaims": true }` the provider's claims function runs again for the stored user
 * (also over claims the server pinned) and the result is stored on the session; the session's
 * older access tokens are refused from then on (the revocation list).
 */
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
  const updateClaims = await readUpdateClaims(event)
  const startedAt = Date.now()
  let next
  try {
    next = await sessions.rotate(cookie.token, updateClaims ? recomputedClaims : refreshedClaims, { legacyCookie: cookie.legacy, device: requestDevice(event) })
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
  // The generation of the claims this token carries: the record's as this refresh read it, so a
  // claims change that landed meanwhile refuses it (its generation is older).
  const claimsGeneration = updateClaims ? await storeClaims(next.session) : next.session.claimsAt
  await assertStillLive(sessions, next.token, startedAt)
  return accessTokenResponse(next.session.user, next.session.claims, { familyId: next.session.familyId, amr: next.session.amr, claimsGeneration })
}))

/** Stores the claims a refresh with `updateClaims` just computed (when there is a claims function to compute them); the new `claimsAt`. */
async function storeClaims(session: Session): Promise<number | undefined> {
  const { sessions, handlers } = useAegis()
  if (typeof handlers.get(session.user.provider)?.customClaims !== 'function') return session.claimsAt
  const [changed] = await sessions.updateClaims({ sub: session.user.sub, familyId: session.familyId, change: () => session.claims, pin: false })
  return changed?.claimsAt ?? session.claimsAt
}

/** `updateClaims` from an optional JSON body; no body (the usual refresh) or any other body means a plain refresh. */
async function readUpdateClaims(event: H3Event): Promise<boolean> {
  if (!/^application\/json\s*(?:;|$)/i.test(getRequestHeader(event, 'content-type') ?? '')) return false
  return (await readJsonObject(event)).updateClaims === true
}
