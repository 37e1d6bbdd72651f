/**
 * `nuxt-aegis/verify`: check nuxt-aegis access tokens in any Node service (an Express API, a
 * worker, a mobile backend) without Nuxt. It applies exactly the checks of the module's own
 * route protection (`accessTokenChecks`): pinned algorithms, `typ: at+jwt`, `iss`, `aud` when
 * set, required `exp iat sub iss`, an optional maximum age, 5 s clock tolerance.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import { accessTokenChecks, parseBearer } from './runtime/server/tokens/tokens'
import { createRevocationList, refusesToken } from './runtime/server/revocation/list'
import type { RevocationList } from './runtime/server/revocation/list'

/**
 * The app's revocation feed (`GET <authPath>/revocations`, on when the app sets
 * `revocation.serviceToken`): tokens of sessions that ended are refused here too, within `refreshMs`.
 */
export interface AegisRevocationFeedOptions {
  /** The feed's URL, e.g. `https://app.example/auth/revocations`. */
  url: string | URL
  /** The app's `revocation.serviceToken` (NUXT_AEGIS_REVOCATION_SERVICE_TOKEN). */
  token: string
  /** How often to ask for new entries (ms). @default 1000 */
  refreshMs?: number
  /** Seconds without a successful refresh after which the list is stale. @default 60 */
  staleAfter?: number
  /** What a stale list does: keep accepting (`'accept'`) or refuse every token (`'refuse'`: `revocation_unavailable`). @default 'accept' */
  onStale?: 'accept' | 'refuse'
  /** Timeout of one request to the feed (ms). @default 5000 */
  timeoutMs?: number
}

export interface AegisVerifierOptions {
  /** `token.issuer` of the app (default of the module: `'nuxt-aegis'`). */
  issuer: string
  /** `token.audience` of the app, when it sets one. */
  audience?: string
  /** The app's `GET <authPath>/jwks` URL, for RS256 / ES256 / EdDSA tokens (recommended). */
  jwksUrl?: string | URL
  /** The app's HS256 secret, only where it can be shared safely. */
  secret?: string
  /** Accepted algorithms. Default: `['RS256', 'ES256', 'EdDSA']` with `jwksUrl`, `['HS256']` with `secret`. */
  algorithms?: string[]
  /** Seconds: refuse tokens issued longer ago than this (set it to the app's `token.expiresIn`). */
  maxTokenAge?: number
  /** Seconds of clock skew tolerated. @default 5 */
  clockTolerance?: number
  /** Honour the app's revocations (sessions ended before their tokens expired). */
  revocations?: AegisRevocationFeedOptions
}

/** `revocation_unavailable`: the revocation list is stale under `onStale: 'refuse'` (answer 503 and let the client retry). */
export type AegisVerificationErrorCode = 'missing_token' | 'malformed_header' | 'invalid_token' | 'revocation_unavailable'

/** Why a token was refused; `code` is stable, `message` is safe to return to a client. */
export class AegisVerificationError extends Error {
  constructor(readonly code: AegisVerificationErrorCode, message: string, readonly reason?: string) {
    super(message)
    this.name = 'AegisVerificationError'
  }
}

export interface AegisTokenClaims extends JWTPayload {
  sub: string
  iss: string
  exp: number
  iat: number
  [claim: string]: unknown
}

type HeaderSource = { headers: Record<string, string | string[] | undefined> | { get: (name: string) => string | null } }

export interface AegisVerifier {
  /** The verified claims of an access token; throws `AegisVerificationError` otherwise. */
  verify: (token: string) => Promise<AegisTokenClaims>
  /** Verifies the `Authorization: Bearer` header of a Node request, a Fetch `Request` or a headers object. */
  verifyRequest: (request: HeaderSource | HeaderSource['headers']) => Promise<AegisTokenClaims>
  /** Stops the background refresh of the revocation list (a verifier without `revocations` has none). */
  close: () => void
}

const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA']

export function createAegisVerifier(options: AegisVerifierOptions): AegisVerifier {
  if (!options.issuer) throw new TypeError('createAegisVerifier: issuer is required')
  if (Boolean(options.jwksUrl) === Boolean(options.secret)) throw new TypeError('createAegisVerifier: give exactly one of jwksUrl or secret')
  if (options.secret !== undefined && Buffer.byteLength(options.secret) < 32) throw new TypeError('createAegisVerifier: secret must be at least 32 bytes')
  const algorithms = options.algorithms ?? (options.jwksUrl ? ASYMMETRIC : ['HS256'])
  if (algorithms.includes('none')) throw new TypeError('createAegisVerifier: "none" is never accepted')
  // One kind of key per verifier: HMAC only with a secret, public-key algorithms only with a JWKS.
  if (options.jwksUrl && algorithms.some(alg => alg.startsWith('HS'))) throw new TypeError('createAegisVerifier: a JWKS verifier accepts no HS* algorithm')
  if (options.secret && algorithms.some(alg => !alg.startsWith('HS'))) throw new TypeError('createAegisVerifier: a secret verifier accepts HS* algorithms only')

  const checks = accessTokenChecks({ algorithms, issuer: options.issuer, audience: options.audience, maxTokenAge: options.maxTokenAge, clockTolerance: options.clockTolerance })
  const jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined
  const revocations = options.revocations ? revocationFeed(options.revocations) : undefined
  let first = revocations?.start()

  async function verify(token: string): Promise<AegisTokenClaims> {
    if (typeof token !== 'string' || !token) throw new AegisVerificationError('missing_token', 'Authentication required.')
    if (first) {
      // A fresh verifier knows no revocation yet: the first load comes before the first answer.
      await first
      first = undefined
    }
    try {
      const { payload } = jwks ? await jwtVerify(token, jwks, checks) : await jwtVerify(token, secret!, checks)
      if (revocations && refusesToken(revocations, payload)) {
        if (revocations.stale && options.revocations!.onStale === 'refuse') throw new AegisVerificationError('revocation_unavailable', 'Token revocations cannot be checked right now. Retry.')
        throw new AegisVerificationError('invalid_token', 'The access token is missing, invalid or expired.', 'revoked')
      }
      return payload as AegisTokenClaims
    }
    catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
        throw new AegisVerificationError('invalid_token', 'The access token is missing, invalid or expired.', (error as { code?: string }).code ?? error.name)
      }
      throw error
    }
  }

  return {
    verify,
    async verifyRequest(request) {
      const headers = 'headers' in request && request.headers && typeof request.headers === 'object' ? request.headers : request
      const raw = typeof (headers as { get?: unknown }).get === 'function'
        ? (headers as { get: (name: string) => string | null }).get('authorization')
        : (headers as Record<string, string | string[] | undefined>).authorization
      const token = parseBearer(Array.isArray(raw) ? raw.join(',') : raw)
      if (token === undefined) throw new AegisVerificationError('missing_token', 'Authentication required.')
      if (token === null) throw new AegisVerificationError('malformed_header', 'The Authorization header is malformed.')
      return verify(token)
    },
    close: () => revocations?.stop(),
  }
}

/** The revocation list of a verifier, loaded from the app's feed in the background. */
function revocationFeed(feed: AegisRevocationFeedOptions): RevocationList {
  if (!feed.url || !feed.token) throw new TypeError('createAegisVerifier: revocations needs url and token')
  const url = new URL(feed.url)
  const refreshMs = feed.refreshMs ?? 1000
  if (!(refreshMs >= 100)) throw new TypeError('createAegisVerifier: revocations.refreshMs must be at least 100')
  let warned = false
  return createRevocationList<number>({
    refreshMs,
    staleAfterMs: (feed.staleAfter ?? 60) * 1000,
    onStale: feed.onStale ?? 'accept',
    log: {
      warn: message => console.warn(`[nuxt-aegis/verify] ${message}`),
      error: message => console.error(`[nuxt-aegis/verify] ${message}`),
    },
    async load(cursor) {
      const target = new URL(url)
      if (cursor !== undefined) target.searchParams.set('since', String(cursor))
      const response = await fetch(target, {
        headers: { authorization: `Bearer ${feed.token}`, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(feed.timeoutMs ?? 5000),
      })
      if (!response.ok) {
        if (!warned) console.error(`[nuxt-aegis/verify] revocation feed answered ${response.status}${response.status === 404 ? ' (is revocation.serviceToken set in the app?)' : ''}`)
        warned = true
        throw new Error(`revocation feed: ${response.status}`)
      }
      warned = false
      const body = await response.json() as { version?: unknown, entries?: unknown }
      if (typeof body?.version !== 'number' || !Array.isArray(body.entries)) throw new Error('revocation feed: unexpected answer')
      const version = body.version
      return { cursor: version, version, entries: body.entries.map(entry => ({ ...(entry as object), v: version }) as never) }
    },
  })
}
