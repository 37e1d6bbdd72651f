import { defineEventHandler, getQuery, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { safeEqual, sha256 } from '../../core/crypto'
import { parseBearer } from '../../tokens/tokens'
import { useAegis } from '../../context/services'

/**
 * GET {authPath}/revocations?since=<version>: the revocations this instance knows that were
 * recorded after `version` (all live ones without it), for other services
 * (`nuxt-aegis/verify`'s `revocations` option). Only for `Authorization: Bearer <serviceToken>`;
 * 404 while no service token is configured, 401 for a missing or wrong one. Answered from
 * memory: a service polling it costs no storage read.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const { revocation, revocations } = useAegis()
  if (!revocation.serviceToken || !revocation.enabled) throw new AegisError(404, 'not_found', 'revocation feed off: no revocation.serviceToken')
  const token = parseBearer(event.node.req.headers.authorization)
  // Digests of equal length: the comparison tells nothing about the token's length either.
  if (!token || !safeEqual(sha256(token), sha256(revocation.serviceToken))) throw new AegisError(401, 'invalid_token', 'revocation feed: missing or wrong service token')
  const since = getQuery(event).since
  if (since !== undefined && (typeof since !== 'string' || !/^\d{1,16}$/.test(since))) throw new AegisError(400, 'invalid_request', 'since must be a version number')
  const list = revocations.list
  // A stale list (or one not loaded yet) must not pass for a fresh one: the service's own
  // staleness rule (onStale) applies instead.
  if (list.stale || revocations.ready() !== undefined) throw new AegisError(503, 'storage_unavailable', 'revocation feed: this instance\'s list is not fresh')
  const version = list.version
  return {
    version,
    refreshMs: revocation.refreshMs,
    entries: list.since(Number(since ?? 0)).map(({ sid, before, until }) => ({ sid, before, until })),
  }
}))
