import { defineEventHandler, getCookie, setResponseHeader } from 'h3'
import { AegisError, log, withErrors } from '../../core/errors'
import { CODE_PATTERN } from '../codes'
import { fingerprint, sha256 } from '../../core/crypto'
import { openFromHandoff } from '../../sessions/provider-tokens'
import { requestDevice } from '../../sessions/sessions'
import { clearHandoffCookie, handoffCookieName, refreshCookieHostPrefixed, setRefreshCookie } from '../../context/cookies'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { accessTokenResponse } from '../../tokens/issue'
import { cancelSecondFactorStep, secondFactorStep } from '../../credentials/signin'
import { useAegis } from '../../context/services'

/** POST {authPath}/token: trade the one-time CODE for an access token and a refresh cookie. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const { code } = await readJsonObject(event)
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw new AegisError(400, 'invalid_request', 'code missing or malformed')
  const { codes, sessions, config } = useAegis()
  // Login CSRF and leaked CODEs: the CODE only counts with the cookie of the browser that
  // finished the login, and is checked against it before it is spent, so a CODE copied from
  // the callback URL (logs, analytics, extensions) can neither burn the login nor end its session.
  const binding = getCookie(event, handoffCookieName(code))
  if (!binding) throw new AegisError(400, 'invalid_code', `CODE ${fingerprint(code)} presented without its browser binding`)
  const taken = await codes.take(code, sha256(binding))
  if (taken.status === 'used' && taken.issued) {
    // A replay with the right binding means the browser's cookie is in other hands too: end
    // what the CODE issued (RFC 6749 §4.1.2): its session, or the second-factor step still pending.
    if (taken.issued.startsWith('step:')) await cancelSecondFactorStep(taken.issued.slice('step:'.length))
    else await sessions.revokeFamily(taken.issued)
    log.warn(`CODE ${fingerprint(code)} presented again with its binding; what it issued was revoked`)
  }
  if (taken.status !== 'ok') throw new AegisError(400, 'invalid_code', `CODE ${fingerprint(code)}: unknown, expired, used or wrongly bound`)
  const { user, claims, amr, redirectTo } = taken.payload
  // A user with a second factor gets the step instead of tokens (unless `mfa.oauth` is false); the
  // step keeps the whole login (provider tokens too, sealed) and `/mfa/verify` starts its session,
  // which the CODE then stands for, as if it had issued it here.
  const handoff = { code, binding: taken.payload.binding }
  // Storage trouble (the factor store, the step's) is not the CODE's fault: put it back so a retry works.
  const step = await restoringOnFailure(code, taken.payload, () => secondFactorStep(event, { kind: 'handoff', provider: user.provider, user, claims, amr, redirectTo, providerTokens: openFromHandoff(binding, taken.payload.providerTokens), handoff }))
  if (step) {
    clearHandoffCookie(event, code)
    return step
  }
  let familyId: string | undefined
  if (config.tokenRefresh.enabled) {
    const session = await restoringOnFailure(code, taken.payload, () => sessions.create({ user, claims, amr, providerTokens: openFromHandoff(binding, taken.payload.providerTokens), hostCookie: refreshCookieHostPrefixed(event), device: requestDevice(event) }))
    familyId = session.session.familyId
    await codes.markIssued(code, familyId, taken.payload.binding)
    setRefreshCookie(event, session.token, session.maxAge)
  }
  clearHandoffCookie(event, code)
  return accessTokenResponse(user, claims, { redirectTo, familyId, amr })
}))

/**
 * Runs a step of the redemption; when it fails, the CODE is put back so a retry works. The answer
 * stays the original error (a 503), even when putting it back fails too.
 */
async function restoringOnFailure<T>(code: string, payload: Parameters<ReturnType<typeof useAegis>['codes']['restore']>[1], run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  }
  catch (error) {
    await useAegis().codes.restore(code, payload).catch(() => log.warn(`CODE ${fingerprint(code)} could not be put back after a failed redemption`))
    throw error
  }
}
