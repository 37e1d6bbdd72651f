import type { KeyObject } from 'node:crypto'
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto'

/**
 * Asymmetric signing keys for access tokens: load a PEM private key, check it fits the
 * algorithm, name it (`kid` = RFC 7638 thumbprint) and publish the public half as a JWKS.
 */
export type AsymmetricAlgorithm = 'RS256' | 'ES256' | 'EdDSA'
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'ES256', 'EdDSA']

export interface PublicJwk {
  kty: string
  kid: string
  alg: AsymmetricAlgorithm
  use: 'sig'
  [member: string]: string
}

export interface VerificationKey {
  key: KeyObject
  alg: AsymmetricAlgorithm
}

export interface SigningKeys {
  alg: AsymmetricAlgorithm
  kid: string
  privateKey: KeyObject
  /** Current and previous public keys by kid. */
  verification: Map<string, VerificationKey>
  jwks: { keys: PublicJwk[] }
}

/** PEM from config or env: env variables often carry `\n` escapes instead of newlines. */
export function normalizePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value
}

const MIN_RSA_BITS = 2048

/** The algorithm a key is for, or why it is unusable. */
export function algorithmOf(key: KeyObject): AsymmetricAlgorithm | { problem: string } {
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (details.modulusLength ?? 0) >= MIN_RSA_BITS ? 'RS256' : { problem: `an RSA key must have at least ${MIN_RSA_BITS} bits` }
    case 'ec':
      return details.namedCurve === 'prime256v1' ? 'ES256' : { problem: 'an EC key must be on the P-256 curve (ES256)' }
    case 'ed25519':
      return 'EdDSA'
    default:
      return { problem: `key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (RSA, EC P-256 or Ed25519)` }
  }
}

/** Why a private key PEM cannot sign with `algorithm`; undefined when it can. Never includes the key. */
export function privateKeyProblem(pem: string, algorithm: string): string | undefined {
  let key: KeyObject
  try {
    key = createPrivateKey(normalizePem(pem))
  }
  catch {
    return 'is not a PEM private key (PKCS#8 or PKCS#1)'
  }
  const alg = algorithmOf(key)
  if (typeof alg !== 'string') return alg.problem
  return alg === algorithm ? undefined : `is a key for ${alg}, not ${algorithm}`
}

/** Why a public key PEM is unusable; undefined when fine. */
export function publicKeyProblem(pem: string): string | undefined {
  try {
    const alg = algorithmOf(createPublicKey(normalizePem(pem)))
    return typeof alg === 'string' ? undefined : alg.problem
  }
  catch {
    return 'is not a PEM public key'
  }
}

const THUMBPRINT_MEMBERS: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] }

/** RFC 7638 JWK thumbprint (SHA-256, base64url). */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)] ?? []
  const canonical = JSON.stringify(Object.fromEntries(members.map(name => [name, jwk[name]])))
  return createHash('sha256').update(canonical).digest('base64url')
}

function publicJwk(key: KeyObject, alg: AsymmetricAlgorithm): PublicJwk {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>
  const members = THUMBPRINT_MEMBERS[jwk.kty!] ?? []
  return { ...Object.fromEntries(members.map(name => [name, jwk[name]!])), kid: jwkThumbprint(jwk), alg, use: 'sig' } as PublicJwk
}

/** Loads the signing key and the previous public keys; throws on keys `validateConfig` would refuse. */
export function loadSigningKeys(privatePem: string, algorithm: AsymmetricAlgorithm, previousPublicPems: string[] = []): SigningKeys {
  const problem = privateKeyProblem(privatePem, algorithm)
  if (problem) throw new Error(`token.privateKey ${problem}`)
  const privateKey = createPrivateKey(normalizePem(privatePem))
  const current = publicJwk(createPublicKey(privateKey), algorithm)
  const verification = new Map<string, VerificationKey>([[current.kid, { key: createPublicKey(privateKey), alg: algorithm }]])
  const keys = [current]
  for (const pem of previousPublicPems) {
    const key = createPublicKey(normalizePem(pem))
    const alg = algorithmOf(key)
    if (typeof alg !== 'string') throw new Error(`token.previousPublicKeys: a key ${alg.problem}`)
    const jwk = publicJwk(key, alg)
    if (verification.has(jwk.kid)) continue
    verification.set(jwk.kid, { key, alg })
    keys.push(jwk)
  }
  return { alg: algorithm, kid: current.kid, privateKey, verification, jwks: { keys } }
}
