import type { H3Event } from 'h3'
import { defineEventHandler, getRequestHeader, sendNoContent, setResponseHeader } from 'h3'
import type { AegisUser } from '../../../types'
import { AegisError, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { TokenReuseError } from '../sessions'
import type { Session } from '../sessions'
import { parseBearer } from '../../tokens/tokens'
import { clearRefreshCookie, getRefreshCookie } from '../../context/cookies'
import { assertSameOrigin, readJsonObject } from '../../context/http'
import { useAegis } from '../../context/services'
import { callAegisHook, reportTokenReuse } from '../../context/hooks'

/**
 * POST {authPath}/logout: revoke the session on the server and clear the cookie.
 * With the JSON body `{ "everywhere": true }` every session of the user ends.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const everywhere = await readEverywhere(event)
  const { sessions } = useAegis()
  const cookie = getRefreshCookie(event)
  let ended: { session: Session, live: boolean } | undefined
  // Whose session the cookie named, live or not: a Bearer of someone else cannot widen a logout.
  let owner: AegisUser | undefined
  try {
    ended = cookie ? await sessions.revoke(cookie.token, { legacyCookie: cookie.legacy }) : undefined
    owner = ended?.session.user
  }
  catch (error) {
    // A replayed rotated token: its family is revoked as on /refresh, and nothing more.
    if (!(error instanceof TokenReuseError)) throw error
    await reportTokenReuse(event, error)
    owner = error.session.user
  }
  const all = everywhere ? await endEverywhere(event, ended, owner) : undefined
  clearRefreshCookie(event)
  await callAegisHook('nuxt-aegis:logout', {
    user: ended?.session.user ?? all?.user,
    session: ended ? fingerprint(ended.session.familyId) : undefined,
    revoked: all?.revoked,
    event,
  })
  return sendNoContent(event, 204)
}))

/**
 * Ends every session of the login identity (provider, sub), for whoever proves to be it now: the
 * holder of its live refresh token, or of a valid access token. A rotated token proves nothing
 * (it may be a thief's copy): it only ended its own family.
 */
async function endEverywhere(event: H3Event, ended: { session: Session, live: boolean } | undefined, owner: AegisUser | undefined): Promise<{ user: AegisUser, revoked: number } | undefined> {
  const bearer = ended?.live ? undefined : await bearerUser(event)
  const sameIdentity = bearer && (!owner || (owner.sub === bearer.sub && owner.provider === bearer.provider))
  const user = ended?.live ? ended.session.user : sameIdentity ? bearer : undefined
  if (!user) return undefined
  return { user, revoked: (ended ? 1 : 0) + await useAegis().sessions.revokeUser(user.sub, { provider: user.provider }) }
}

/**
 * The user of a valid `Authorization: Bearer` access token; a missing or bad one is no user (never
 * a 401 here), and so is an impersonation token: an impersonator never logs the target out everywhere.
 */
async function bearerUser(event: H3Event): Promise<AegisUser | undefined> {
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  const claims = token ? await useAegis().tokens.verify(token) : undefined
  if (!claims || claims.act !== undefined) return undefined
  return typeof claims.sub === 'string' && typeof claims.provider === 'string' ? claims as AegisUser : undefined
}

/**
 * `everywhere` from an optional JSON body. Anything else (no body, `sendBeacon`'s text/plain, an
 * empty, malformed or oversized JSON body) means this session only: a same-origin logout always
 * ends the session, it is never refused for its body.
 */
async function readEverywhere(event: H3Event): Promise<boolean> {
  if (!/^application\/json\s*(?:;|$)/i.test(getRequestHeader(event, 'content-type') ?? '')) return false
  try {
    return (await readJsonObject(event)).everywhere === true
  }
  catch (error) {
    if (error instanceof AegisError) return false
    throw error
  }
}
