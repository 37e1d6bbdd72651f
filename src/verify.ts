/**
 * `nuxt-aegis/verify`: check nuxt-aegis access tokens in any Node service (an Express API, a
 * worker, a mobile backend) without Nuxt. It applies exactly the checks of the module's own
 * route protection (`accessTokenChecks`): pinned algorithms, `typ: at+jwt`, `iss`, `aud` when
 * set, required `exp iat sub iss`, an optional maximum age, 5 s clock tolerance.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import { accessTokenChecks, parseBearer } from './runtime/server/tokens/tokens'

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
}

export type AegisVerificationErrorCode = 'missing_token' | 'malformed_header' | 'invalid_token'

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

  async function verify(token: string): Promise<AegisTokenClaims> {
    if (typeof token !== 'string' || !token) throw new AegisVerificationError('missing_token', 'Authentication required.')
    try {
      const { payload } = jwks ? await jwtVerify(token, jwks, checks) : await jwtVerify(token, secret!, checks)
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
  }
}
