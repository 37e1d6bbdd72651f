/** Options of the instant revocation of access tokens (`nuxtAegis.revocation`). */

export interface RevocationOptions {
  /**
   * Refuse the access tokens of a session the moment it ends (logout, reuse detection,
   * `revokeUserSessions`, a password change) on every instance, instead of letting them run
   * until they expire. The list lives in the session storage; each instance keeps it in memory.
   * @default true (env NUXT_AEGIS_REVOCATION_ENABLED)
   */
  enabled?: boolean
  /**
   * How often (ms) an instance reads what other instances revoked: the longest delay until a
   * revocation elsewhere applies here (on Redis, pub/sub brings it at once; the poll catches up
   * on a lost message).
   * @default 1000 (env NUXT_AEGIS_REVOCATION_REFRESH_MS)
   */
  refreshMs?: number
  /**
   * Seconds without a successful refresh (session storage down) after which the list is stale.
   * The last known list is kept meanwhile, and the failure is logged once.
   * @default 60 (env NUXT_AEGIS_REVOCATION_STALE_AFTER)
   */
  staleAfter?: number
  /**
   * What a stale list does: `'accept'` keeps accepting access tokens not known to be revoked;
   * `'refuse'` answers every bearer request with 503 until the list is refreshed. The default
   * keeps the API up through a storage outage: while the storage is down no instance can end a
   * session either (logout answers 503), so nothing new is missed; choose `'refuse'` when an
   * instance cut off from a storage the others still reach must not serve anyone.
   * @default 'accept' (env NUXT_AEGIS_REVOCATION_ON_STALE)
   */
  onStale?: 'accept' | 'refuse'
  /**
   * The token (at least 32 bytes) other services send as `Authorization: Bearer <token>` to read
   * `GET <authPath>/revocations?since=` (the feed of `nuxt-aegis/verify`). Unset: the feed is off (404).
   * @default process.env.NUXT_AEGIS_REVOCATION_SERVICE_TOKEN
   */
  serviceToken?: string
}

export const revocationDefaults = {
  enabled: true,
  refreshMs: 1000,
  staleAfter: 60,
  onStale: 'accept' as 'accept' | 'refuse',
  serviceToken: '',
} satisfies RevocationOptions
