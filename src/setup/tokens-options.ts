/** Options of the access tokens (`nuxtAegis.token`). */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

export interface TokenOptions {
  /**
   * HMAC secret for `HS256` access tokens, at least 32 bytes.
   * @default process.env.NUXT_AEGIS_TOKEN_SECRET
   */
  secret?: string
  /**
   * Access token lifetime: seconds, or a string such as `'15m'`, `'1h'`, `'2d'`.
   * @default '1h'
   */
  expiresIn?: string | number
  /**
   * Signing algorithm. `HS256` signs with `secret`; `RS256` (RSA ≥ 2048 bits), `ES256` (P-256)
   * and `EdDSA` (Ed25519) sign with `privateKey` and publish the public key at `{authPath}/jwks`,
   * so other services can verify tokens without a shared secret.
   * @default 'HS256' (env NUXT_AEGIS_TOKEN_ALGORITHM)
   */
  algorithm?: JwtAlgorithm
  /**
   * PEM private key (PKCS#8 or PKCS#1) for `RS256`, `ES256` or `EdDSA`. In an env variable,
   * `\n` escapes stand for newlines.
   * @default process.env.NUXT_AEGIS_TOKEN_PRIVATE_KEY
   */
  privateKey?: string
  /**
   * PEM public keys of former signing keys: still accepted and published in the JWKS while
   * tokens signed with them may be alive (key rotation). Drop one after `expiresIn` has passed.
   * @default process.env.NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS (a JSON array)
   */
  previousPublicKeys?: string[]
  /**
   * `iss` claim of issued tokens, checked on verify.
   * @default 'nuxt-aegis'
   */
  issuer?: string
  /**
   * `aud` claim of issued tokens; checked on verify when not empty.
   * @default ''
   */
  audience?: string
}
