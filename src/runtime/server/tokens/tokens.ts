import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import type { JWTHeaderParameters, JWTPayload, JWTVerifyOptions } from 'jose'
import { createHmac, createSecretKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { pooledRandomToken } from '../core/random'
import type { PublicJwk, SigningKeys } from './keys'
import type { AegisClaims } from '../../types'

/** `typ` of access tokens (RFC 9068): a JWT of any other type is never accepted as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt'
/** Seconds of clock skew tolerated on `exp`, `iat` and the token age. */
export const CLOCK_TOLERANCE = 5

export interface AccessTokenChecks {
  algorithms: string[]
  issuer: string
  audience?: string
  /** Seconds; a token older than this (by `iat`) is refused. */
  maxTokenAge?: number
  clockTolerance?: number
}

/**
 * What every access-token verification checks, in one place: the module's own middleware and
 * the framework-free `nuxt-aegis/verify` both use it. Pinned algorithms, `typ: at+jwt`, `iss`,
 * `aud` when configured, required `exp iat sub iss`, a maximum age, a small clock tolerance.
 */
export function accessTokenChecks(checks: AccessTokenChecks): JWTVerifyOptions {
  const clockTolerance = checks.clockTolerance ?? CLOCK_TOLERANCE
  return {
    algorithms: checks.algorithms,
    typ: ACCESS_TOKEN_TYPE,
    issuer: checks.issuer,
    audience: checks.audience || undefined,
    requiredClaims: ['exp', 'iat', 'sub', 'iss'],
    maxTokenAge: checks.maxTokenAge === undefined ? undefined : checks.maxTokenAge + clockTolerance,
    clockTolerance,
  }
}

export interface TokenServiceOptions {
  /** HMAC secret (HS256). */
  secret?: string
  algorithm: 'HS256' | 'RS256' | 'ES256' | 'EdDSA'
  /** The private key and the published public keys (asymmetric algorithms). */
  keys?: SigningKeys
  issuer: string
  audience?: string
  /** Lifetime in seconds. */
  expiresIn: number
  /** Bound of the verified-token cache. */
  cacheSize?: number
  /**
   * True for a token whose session was revoked after it was issued (the revocation list):
   * checked on every verification, the cached ones too. Synchronous, in memory.
   */
  revoked?: (claims: AegisClaims) => boolean
  /** A promise to wait for before the first verification (the revocation list's first load), or undefined. */
  ready?: () => Promise<void> | undefined
}

export interface TokenService {
  readonly expiresIn: number
  /**
   * Signs an access token; `expiresIn` (seconds) shortens its life (an impersonation token), never
   * beyond `expiresIn` of the service.
   */
  sign: (claims: AegisClaims, options?: { expiresIn?: number }) => Promise<string>
  /** The verified payload, or undefined for any invalid, expired or foreign token. */
  verify: (token: string) => Promise<AegisClaims | undefined>
  /** The public keys (JWKS); empty for HS256. */
  readonly jwks: { keys: PublicJwk[] }
  /**
   * The payload of a token already verified and not yet expired, synchronously; undefined
   * when it is not in the cache (then `verify` decides). The request hot path.
   */
  verifyCached: (token: string) => AegisClaims | undefined
  /** `verifyCached` for an `Authorization` header exactly `Bearer <token>` (the route-protection hot path). */
  verifyBearerCached: (header: string) => AegisClaims | undefined
}

/**
 * Signs and verifies access JWTs. The key is imported once; the algorithm, `typ`, issuer,
 * audience and required claims are pinned at verify. Verified tokens are cached (bounded,
 * until their `exp`) so the hot path does not pay an HMAC per request for the same token.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { keys } = options
  if (options.algorithm !== 'HS256' && keys?.alg !== options.algorithm) throw new Error(`${options.algorithm} needs a signing key for ${options.algorithm}`)
  if (options.algorithm === 'HS256' && !options.secret) throw new Error('HS256 needs a secret')
  const hmacKey = new TextEncoder().encode(options.secret ?? '')
  const signingKey: Uint8Array | KeyObject = keys ? keys.privateKey : hmacKey
  // One algorithm per key: HS256 only with the secret; each public key only with its own algorithm.
  const verifyKey = keys
    ? (header: JWTHeaderParameters) => {
        const entry = header.kid ? keys.verification.get(header.kid) : undefined
        if (!entry || entry.alg !== header.alg) throw new joseErrors.JWKSNoMatchingKey()
        return entry.key
      }
    : undefined
  const algorithms = keys ? [...new Set([...keys.verification.values()].map(entry => entry.alg))] : ['HS256']
  const cacheSize = options.cacheSize ?? 1000
  // Keyed by the signature (the token's last part), so a lookup hashes ~43 characters rather than
  // the whole token; a hit still requires the whole token to be equal.
  interface CacheEntry { token: string, bearer: string, claims: AegisClaims }
  const cache = new Map<string, CacheEntry>()
  const cacheKey = (token: string) => token.slice(token.lastIndexOf('.') + 1)

  // HS256: the header is encoded once and the HMAC is one synchronous node:crypto call over a key
  // object made once (jose goes through WebCrypto, importing the key and queueing a job per token).
  const hmacKeyObject = keys ? undefined : createSecretKey(hmacKey)
  const hs256Header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })).toString('base64url')

  async function sign(claims: AegisClaims, signOptions: { expiresIn?: number } = {}): Promise<string> {
    const lifetime = Math.min(signOptions.expiresIn ?? options.expiresIn, options.expiresIn)
    const now = Math.floor(Date.now() / 1000)
    const { sub, ...rest } = claims
    if (hmacKeyObject) {
      // The same payload as jose's SignJWT below: the claims, then sub, iss, iat, jti, exp (from now), aud.
      const payload: JWTPayload = { ...rest, sub, iss: options.issuer, iat: now, jti: pooledRandomToken(12), exp: now + lifetime, ...(options.audience ? { aud: options.audience } : {}) }
      const input = `${hs256Header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
      return `${input}.${createHmac('sha256', hmacKeyObject).update(input).digest('base64url')}`
    }
    const jwt = new SignJWT(rest as JWTPayload)
      .setProtectedHeader({ alg: options.algorithm, typ: ACCESS_TOKEN_TYPE, ...(keys ? { kid: keys.kid } : {}) })
      .setSubject(sub)
      .setIssuer(options.issuer)
      .setIssuedAt(now)
      .setJti(pooledRandomToken(12))
      .setExpirationTime(now + lifetime)
    if (options.audience) jwt.setAudience(options.audience)
    return jwt.sign(signingKey)
  }

  function verifyCached(token: string): AegisClaims | undefined {
    const slot = cacheKey(token)
    const cached = cache.get(slot)
    if (cached === undefined || cached.token !== token) return undefined
    return live(slot, cached)
  }

  /** `verifyCached` for a whole `Bearer <token>` header: no copy of the token is made. */
  function verifyBearerCached(header: string): AegisClaims | undefined {
    const slot = cacheKey(header)
    const cached = cache.get(slot)
    if (cached === undefined || cached.bearer !== header) return undefined
    return live(slot, cached)
  }

  const { revoked, ready } = options

  function live(slot: string, cached: CacheEntry): AegisClaims | undefined {
    if ((cached.claims.exp as number) > Date.now() / 1000 - CLOCK_TOLERANCE) return revoked !== undefined && revoked(cached.claims) ? undefined : cached.claims
    cache.delete(slot)
    return undefined
  }

  async function verify(token: string): Promise<AegisClaims | undefined> {
    if (typeof token !== 'string') return undefined
    const first = ready?.()
    if (first) await first
    if (cache.get(cacheKey(token))?.token === token) return verifyCached(token)
    try {
      const verifyOptions = accessTokenChecks({ algorithms, issuer: options.issuer, audience: options.audience, maxTokenAge: options.expiresIn })
      const { payload } = verifyKey ? await jwtVerify(token, verifyKey, verifyOptions) : await jwtVerify(token, hmacKey, verifyOptions)
      const claims = Object.freeze(payload) as AegisClaims
      const slot = cacheKey(token)
      if (!cache.has(slot) && cache.size >= cacheSize) cache.delete(cache.keys().next().value!)
      cache.set(slot, { token, bearer: `Bearer ${token}`, claims })
      return revoked !== undefined && revoked(claims) ? undefined : claims
    }
    catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined
      throw error
    }
  }

  return { expiresIn: options.expiresIn, sign, verify, verifyCached, verifyBearerCached, jwks: keys?.jwks ?? { keys: [] } }
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750 §2.1);
 * undefined when absent, null when present but malformed.
 */
export function parseBearer(header: string | undefined | null): string | undefined | null {
  if (header === undefined || header === null || header === '') return undefined
  const match = /^bearer +([\w\-.~+/]+=*)$/i.exec(header.trim())
  if (!match || match[1]!.length > 8192) return null
  return match[1]
}
