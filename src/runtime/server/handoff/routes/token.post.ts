import { defineEventHandler, getCookie, setResponseHeader } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { CODE_PATTERN } from '../codes'
import { fingerprint, safeEqual, sha256 } from '../../core/crypto'
import { openFromHandoff } from '../../sessions/provider-tokens'
import { clearHandoffCookie, handoffCookieName, setRefreshCookie } from '../../context/cookies'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { accessTokenResponse } from '../../tokens/issue'
import { useAegis } from '../../context/services'

/** POST {authPath}/token: trade the one-time CODE for an access token and a refresh cookie. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const { code } = await readJsonObject(event)
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw new AegisError(400, 'invalid_request', 'code missing or malformed')
  const { codes, sessions, config } = useAegis()
  const taken = await codes.take(code)
  if (taken.status === 'used' && taken.issued) {
    // A replayed CODE may be stolen: end what it issued (RFC 6749 §4.1.2).
    await sessions.revokeFamily(taken.issued)
    log.warn(`CODE ${fingerprint(code)} presented again; the session it issued was revoked`)
  }
  if (taken.status !== 'ok') throw new AegisError(400, 'invalid_code', 'unknown, expired or used CODE')
  // Login CSRF: the CODE must come from the browser that finished the login (handoff cookie).
  const binding = getCookie(event, handoffCookieName(code))
  if (!binding || !safeEqual(sha256(binding), taken.payload.binding)) {
    throw new AegisError(400, 'invalid_code', `CODE ${fingerprint(code)} presented without its browser binding`)
  }
  const { user, claims, redirectTo } = taken.payload
  let familyId: string | undefined
  if (config.tokenRefresh.enabled) {
    let session
    try {
      session = await sessions.create({ user, claims, providerTokens: openFromHandoff(binding, taken.payload.providerTokens) })
    }
    catch (error) {
      // Storage trouble is not the CODE's fault: put it back so a retry works. The answer stays
      // the original error (a 503), even when putting it back fails too.
      await codes.restore(code, taken.payload).catch(() => log.warn(`CODE ${fingerprint(code)} could not be put back after a failed redemption`))
      throw error
    }
    familyId = session.session.familyId
    await codes.markIssued(code, familyId)
    setRefreshCookie(event, session.token, session.maxAge)
  }
  clearHandoffCookie(event, code)
  return accessTokenResponse(user, claims, { redirectTo, familyId })
}))
