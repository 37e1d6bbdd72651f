import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, log, withErrors } from '../lib/errors'
import { CODE_PATTERN } from '../lib/codes'
import { fingerprint } from '../lib/crypto'
import { setRefreshCookie } from '../cookies'
import { assertSameOrigin, readJsonObject } from '../http'
import { accessTokenResponse } from '../issue'
import { useAegis } from '../services'

/** POST {authPath}/token: trade the one-time CODE for an access token and a refresh cookie. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const { code } = await readJsonObject(event)
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw new AegisError(400, 'invalid_request', 'code missing or malformed')
  const { codes, sessions, config } = useAegis()
  const taken = await codes.take(code)
  if (taken.status === 'used') {
    // A replayed CODE may be stolen: end what it issued (RFC 6749 §4.1.2).
    if (taken.issued) await sessions.revokeById(taken.issued)
    log.warn(`CODE ${fingerprint(code)} presented again; its session was revoked`)
  }
  if (taken.status !== 'ok') throw new AegisError(400, 'invalid_code', 'unknown, expired or used CODE')
  const { user, claims, redirectTo } = taken.payload
  if (config.tokenRefresh.enabled) {
    const session = await sessions.create({ user, claims })
    await codes.markIssued(code, session.record.id)
    setRefreshCookie(event, session.token)
  }
  return accessTokenResponse(user, claims, redirectTo)
}))
