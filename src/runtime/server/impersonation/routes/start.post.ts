import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { useImpersonationConfig } from '../config'
import { startImpersonation } from '../impersonate'

/**
 * POST {authPath}/impersonate `{ sub, reason? }` with the actor's access token (Bearer),
 * same-origin → 200 `{ token, tokenType, expiresIn }`: an impersonation access token (no refresh
 * cookie). 404 while impersonation is off.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  if (!useImpersonationConfig().enabled) throw new AegisError(404, 'not_found', 'impersonation is off')
  const body = await readJsonObject(event)
  if (typeof body.sub !== 'string' || (body.reason !== undefined && typeof body.reason !== 'string')) {
    throw new AegisError(400, 'invalid_request', 'body must be { sub: string, reason?: string }')
  }
  return startImpersonation(event, body.sub, { reason: body.reason as string | undefined })
}))
