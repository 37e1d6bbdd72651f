import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'
import type { AegisClaims, AegisUser, ImpersonationActor, ImpersonationTarget, TokenResponse } from '../../types'
import { AegisError, log } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { filterClaims, tokenClaims } from '../tokens/claims'
import { parseBearer } from '../tokens/tokens'
import { assertSameOrigin } from '../context/http'
import { useAegis } from '../context/services'
import { askAegisHook, callAegisHook } from '../context/hooks'
import { useImpersonationConfig } from './config'

/** A subject an app can name: a short string without control characters. */
const SUBJECT = /^\P{Cc}{1,256}$/u
const MAX_REASON = 500
const PROFILE = new Set(['sub', 'provider', 'email', 'email_verified', 'name', 'picture'])

export interface StartOptions {
  /** Why (kept for the audit hooks, at most 500 characters). */
  reason?: string
}

/** The verified claims of the request's bearer token, or a 401. */
async function bearerClaims(event: H3Event): Promise<AegisClaims> {
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  const claims = token ? await useAegis().tokens.verify(token) : undefined
  if (!claims || typeof claims.provider !== 'string') throw new AegisError(401, 'unauthorized', 'impersonation without a valid access token')
  return claims
}

/** The actor: a same-origin request with its own access token (never an impersonation one) of a still-live session. */
async function actorOf(event: H3Event): Promise<AegisClaims & { provider: string }> {
  assertSameOrigin(event)
  const { enabled } = useImpersonationConfig()
  if (!enabled) throw new AegisError(404, 'not_found', 'impersonation is off (nuxtAegis.impersonation.enabled)')
  const actor = await bearerClaims(event) as AegisClaims & { provider: string }
  if (actor.act !== undefined) throw new AegisError(403, 'impersonation_chain', `${fingerprint(actor.sub)} tried to impersonate while impersonating`)
  const { config, sessions } = useAegis()
  if (config.tokenRefresh.enabled) {
    // The impersonation rides on the actor's session (its `sid`): that session must be live.
    const live = typeof actor.sid === 'string' && await sessions.findUserSession(actor.sub, { sid: actor.sid }, { provider: actor.provider })
    if (!live) throw new AegisError(401, 'invalid_token', 'impersonation from an access token whose session has ended')
  }
  return actor
}

/**
 * The app's answer to `nuxt-aegis:canImpersonate`: refused without any handler, when a handler
 * answers `false` or throws, or answers a user whose `sub` is not the one asked for (a lookup
 * that matched loosely must not hand out someone else). Allowed when one answers `true` (the bare
 * subject) or a user (its profile); the last user answer wins.
 */
async function askApp(actor: AegisClaims & { provider: string }, target: string, reason: string | undefined, event: H3Event): Promise<AegisUser> {
  let answers: unknown[]
  try {
    answers = await askAegisHook('nuxt-aegis:canImpersonate', { actor, target, reason, event })
  }
  catch (error) {
    log.warn(`nuxt-aegis:canImpersonate threw (${error instanceof Error ? error.message : 'error'}): impersonation refused`)
    answers = [false]
  }
  const refuse = (why: string) => new AegisError(403, 'impersonation_forbidden', `${fingerprint(actor.sub)} as ${fingerprint(target)}: ${why}`)
  if (!answers.length) {
    log.warn('impersonation refused: no nuxt-aegis:canImpersonate handler is registered (register one in a server plugin to allow it)')
    throw refuse('no canImpersonate handler')
  }
  if (answers.includes(false)) throw refuse('refused by canImpersonate')
  let profile: ImpersonationTarget | undefined
  for (const answer of answers) {
    if (answer && typeof answer === 'object' && !Array.isArray(answer)) profile = answer as ImpersonationTarget
  }
  if (!profile && !answers.includes(true)) throw refuse('no canImpersonate handler allowed it')
  if (profile && profile.sub !== target) throw refuse('canImpersonate answered another user')
  const provider = typeof profile?.provider === 'string' && profile.provider ? profile.provider : actor.provider
  return { ...(profile ?? {}), sub: target, provider } as AegisUser
}

/** The target's claims: its profile fields, and its other primitive fields filtered as custom claims. */
function targetClaims(target: AegisUser, actor: AegisClaims & { provider: string }): AegisClaims {
  const extra = filterClaims(Object.fromEntries(Object.entries(target).filter(([name]) => !PROFILE.has(name))))
  const claims = tokenClaims(target, extra)
  // The actor's session: ending it (logout, revocation) ends this token too.
  if (typeof actor.sid === 'string') claims.sid = actor.sid
  const act: ImpersonationActor = { sub: actor.sub, provider: actor.provider }
  claims.act = act
  return claims
}

/**
 * Starts an impersonation for the request's user: a short-lived access token for `targetSub`
 * whose `act` claim names the actor (RFC 8693), with no refresh token of its own. The actor's
 * session is not touched.
 */
export async function startImpersonation(event: H3Event, targetSub: string, options: StartOptions = {}): Promise<TokenResponse> {
  const actor = await actorOf(event)
  if (typeof targetSub !== 'string' || !SUBJECT.test(targetSub)) throw new AegisError(400, 'invalid_request', 'impersonation target must be a subject string')
  const reason = typeof options.reason === 'string' ? options.reason.slice(0, MAX_REASON) : undefined
  const target = await askApp(actor, targetSub, reason, event)
  if (target.sub === actor.sub && target.provider === actor.provider) throw new AegisError(400, 'invalid_request', 'impersonating oneself')
  const { tokens } = useAegis()
  const expiresIn = Math.min(useImpersonationConfig().expiresIn, tokens.expiresIn)
  const claims = targetClaims(target, actor)
  // Audit first: a start hook that throws (an audit log that cannot be written) refuses.
  await callAegisHook('nuxt-aegis:impersonationStart', { actor, target: claims, reason, expiresAt: Date.now() + expiresIn * 1000, event })
  const token = await tokens.sign(claims, { expiresIn })
  log.info(`impersonation started: ${fingerprint(actor.sub)} as ${fingerprint(target.sub)} for ${expiresIn} s`)
  return { token, tokenType: 'Bearer', expiresIn }
}

/**
 * Ends the request's impersonation: the impersonation token goes on the revocation list (by its
 * `jti`: the actor's session it rides on goes on), `nuxt-aegis:impersonationEnd` fires, and the
 * actor is returned; the actor's browser gets its own token back from its refresh cookie.
 */
export async function stopImpersonation(event: H3Event): Promise<{ actor: ImpersonationActor }> {
  assertSameOrigin(event)
  if (!useImpersonationConfig().enabled) throw new AegisError(404, 'not_found', 'impersonation is off')
  const claims = await bearerClaims(event)
  const act = claims.act as ImpersonationActor | undefined
  if (!act || typeof act.sub !== 'string') throw new AegisError(400, 'invalid_request', 'not impersonating')
  if (typeof claims.jti === 'string') await useAegis().revocations.revokeImpersonation(claims.jti)
  await callAegisHook('nuxt-aegis:impersonationEnd', { actor: act, target: claims, event })
  log.info(`impersonation stopped: ${fingerprint(act.sub)} as ${fingerprint(claims.sub)}`)
  return { actor: act }
}
