import { db, schemaReady } from '../utils/db'

/**
 * TOTP second factors in the `mfa_factors` table: one JSON value per user (`user.sub` is our user
 * id for every sign-in method). The module encrypts the secret and hashes the recovery codes.
 */
export default defineMfaProvider({
  async findFactors(user) {
    await schemaReady()
    const row = await db.prepare('SELECT factors FROM mfa_factors WHERE user_id = ?').get(user.sub) as { factors: string } | undefined
    return row ? JSON.parse(row.factors) : null
  },
  async saveFactors(user, factors) {
    await schemaReady()
    if (factors === null) await db.prepare('DELETE FROM mfa_factors WHERE user_id = ?').run(user.sub)
    else await db.prepare('INSERT INTO mfa_factors (user_id, factors, updated_at) VALUES (?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET factors = excluded.factors, updated_at = excluded.updated_at').run(user.sub, JSON.stringify(factors), Date.now())
  },
})
