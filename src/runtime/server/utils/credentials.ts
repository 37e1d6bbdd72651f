import type { H3Event } from 'h3'
import { defineEventHandler } from 'h3'
import type { AegisProfile, CustomClaims } from '../../types'
import { AegisError, log, withErrors } from '../core/errors'
import { checkAccountPassword, normalizeEmail, userFromProfile } from '../password/account'
import { verifyPassword } from '../password/hash'
import { readCredentialsBody, rateLimit } from '../password/request'
import type { LimitPair } from '../password/request'
import { usePasswordServices } from '../password/services'
import { registerProviderHandler } from '../context/services'
import { signIn } from '../credentials/signin'

export interface CredentialsHandlerOptions<TBody extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * Checks the posted JSON body (whatever fields your form sends) and returns the user
   * (`sub` required; password and hash fields are dropped) or null to refuse with 401.
   */
  authorize: (credentials: TBody, event: H3Event) => (AegisProfile & Record<string, unknown>) | null | undefined | Promise<(AegisProfile & Record<string, unknown>) | null | undefined>
  /** `provider` of the user and its tokens; also the key for claims on refresh. @default 'credentials' */
  provider?: string
  /** Extra access-token claims; a function runs again on refresh with the stored user. */
  customClaims?: CustomClaims
  /**
   * Limits per client IP and per identifier (the body's `email` or `username`, lower-cased).
   * @default the `login` limits of `providers.password.rateLimit`
   */
  rateLimit?: LimitPair
}

/** The identifier to count attempts for: `email`, else `username`, trimmed and lower-cased. */
function identifier(body: Record<string, unknown>): string | undefined {
  const email = normalizeEmail(body.email)
  if (email) return email
  const name = body.username
  return typeof name === 'string' && name.length <= 320 ? name.trim().toLowerCase() : undefined
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
  return defineEventHandler(event => withErrors(event, async () => {
    const body = await readCredentialsBody(event)
    const { config, limiter } = usePasswordServices()
    const id = identifier(body)
    const bucket = `credentials:${provider}`
    await rateLimit(event, bucket, options.rateLimit ?? config.rateLimit.login, id)
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
    if (id) await limiter.reset(`${bucket}:email`, id)
    let user
    try {
      user = userFromProfile(result, provider)
    }
    catch {
      throw new AegisError(500, 'server_error', `${provider}: authorize returned a user without a usable sub`)
    }
    return signIn(event, provider, user, options.customClaims)
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
