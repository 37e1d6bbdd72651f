import type { H3Event } from 'h3'
import { defineEventHandler } from 'h3'
import type { AegisProfile, CustomClaims, UpstreamTokens } from '../../types'
import { AegisError, log, withErrors } from '../core/errors'
import { checkAccountPassword, userFromProfile } from '../password/account'
import { credentialSubjects } from '../password/identify'
import { verifyPassword } from '../password/hash'
import { limitIp, limitSubjects, readCredentialsBody, resetSubject } from '../password/request'
import type { LimitPair } from '../password/request'
import { usePasswordServices } from '../password/services'
import { registerProviderHandler } from '../context/services'
import { signIn } from '../credentials/signin'
import { keptUpstream } from '../credentials/keep'
import { registerUpstreamSource } from '../credentials/upstream'

/** A user (`sub` required), or the user and the backend's tokens (`keepTokens`). */
export type CredentialsUser = AegisProfile & Record<string, unknown>
export type AuthorizeResult = CredentialsUser | { user: CredentialsUser, tokens?: UpstreamTokens }

export interface CredentialsHandlerOptions<TBody extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * Checks the posted JSON body (whatever fields your form sends) and returns the user
   * (`sub` required; password and hash fields are dropped) or null to refuse with 401. With
   * `keepTokens`, return `{ user, tokens: { access_token, refresh_token?, expires_in? } }`: the
   * backend's tokens are kept on the server with the session for `getProviderToken(event, provider)`.
   */
  authorize: (credentials: TBody, event: H3Event) => AuthorizeResult | null | undefined | Promise<AuthorizeResult | null | undefined>
  /**
   * `provider` of the user and its tokens; also the key for claims on refresh and the name
   * `getProviderToken(event, provider)` takes. @default 'credentials'
   */
  provider?: string
  /**
   * Keep the backend's tokens that `authorize` returns with the session (encrypted at rest when
   * `tokenRefresh.encryption` is on, removed when the session ends; never sent to the browser).
   * Needs `tokenRefresh.enabled`. @default false
   */
  keepTokens?: boolean
  /**
   * Trades the kept refresh token for new tokens at the backend when the access token is about
   * to expire (in `getProviderToken`, once per session at a time, across instances on shared
   * storage). Return the new set (a missing `refresh_token` keeps the old one), or `null` when the
   * backend refused: the kept tokens are removed and `getProviderToken` answers 401
   * `provider_reauth_required`. A throw is a 502 `provider_unavailable` and keeps them.
   * Without it, the access token is used until it expires and the refresh token is not kept.
   */
  refreshTokens?: (tokens: UpstreamTokens, event: H3Event) => UpstreamTokens | null | undefined | Promise<UpstreamTokens | null | undefined>
  /**
   * How long one `refreshTokens` call may take (ms): the refresh lock is held long enough for it,
   * so a second instance never refreshes with the same refresh token meanwhile. Give your
   * backend call this timeout. @default 10000
   */
  refreshTimeout?: number
  /** Extra access-token claims; a function runs again on refresh with the stored user. */
  customClaims?: CustomClaims
  /**
   * Limits per client IP (IPv6 by /64) and per identifier (see `identify`; the `perEmail` rule
   * counts per identifier).
   * @default the `login` limits of `providers.password.rateLimit`
   */
  rateLimit?: LimitPair
  /**
   * The value(s) of the body that identify the user `authorize` checks, counted by the
   * per-identifier limit, e.g. `body => body.username`. Say it when your form uses another
   * field: a limit on a field `authorize` ignores could be dodged by changing that field.
   * @default every identifying field present: `email`, `username`, `login`, `user`, `phone`, `identifier`
   */
  identify?: (body: TBody) => string | string[] | null | undefined
}

/**
 * A login route for credentials you check yourself (a database, an external API): POST JSON,
 * `authorize` returns the user or null, and the answer is the one of `POST /auth/token`
 * (`{ token, tokenType, expiresIn }` and the refresh cookie), with hooks, custom claims,
 * rate limits and the same-origin check.
 */
export function defineCredentialsEventHandler<TBody extends Record<string, unknown> = Record<string, unknown>>(options: CredentialsHandlerOptions<TBody>) {
  const provider = options.provider ?? 'credentials'
  registerProviderHandler(provider, { customClaims: options.customClaims })
  if (options.keepTokens) registerUpstreamSource(provider, { refresh: options.refreshTokens, timeoutMs: options.refreshTimeout })
  return defineEventHandler(event => withErrors(event, async () => {
    const body = await readCredentialsBody(event)
    const { config } = usePasswordServices()
    const bucket = `credentials:${provider}`
    const rules = options.rateLimit ?? config.rateLimit.login
    await limitIp(event, bucket, rules)
    let subjects: string[]
    try {
      subjects = credentialSubjects(body as TBody, options.identify)
    }
    catch {
      throw new AegisError(400, 'invalid_request', `${provider}: identify could not read the body`)
    }
    await limitSubjects(event, bucket, rules, subjects)
    let result
    try {
      result = await options.authorize(body as TBody, event)
    }
    catch (error) {
      // An AegisError from authorize is an intended answer; anything else is the app's bug.
      if (error instanceof AegisError) throw error
      log.error(`authorize of ${provider} threw: ${error instanceof Error ? error.name : 'unknown error'}`)
      throw new AegisError(500, 'server_error')
    }
    if (!result) throw new AegisError(401, 'invalid_credentials', `${provider}: authorize refused`)
    // Failed attempts count against the identifier until a login succeeds.
    await Promise.all(subjects.map(subject => resetSubject(bucket, subject)))
    const { user: profile, upstream, tokens } = keptUpstream(provider, result, options)
    let user
    try {
      user = userFromProfile(profile, provider)
    }
    catch {
      throw new AegisError(500, 'server_error', `${provider}: authorize returned a user without a usable sub`)
    }
    return signIn(event, provider, user, options.customClaims, { upstream, tokens })
  }))
}

/**
 * For `authorize` functions that look a user up themselves: verifies the password against the
 * user's scrypt hash, or a dummy hash when there is no user, so both cost the same.
 */
export function verifyUserPassword(password: unknown, hash: string | null | undefined): Promise<boolean> {
  const { dummyHash } = usePasswordServices()
  return typeof password === 'string'
    ? checkAccountPassword(hash ? { id: '', email: '', passwordHash: hash } : null, password, { verify: verifyPassword, dummyHash })
    : Promise.resolve(false)
}
