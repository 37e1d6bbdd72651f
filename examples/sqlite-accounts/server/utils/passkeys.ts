import { db, schemaReady } from './db'

/** The module's `PasskeyCredential` (docs/passkeys.md): plain JSON, so every field is a column. */
export interface PasskeyCredential {
  id: string
  userId: string
  publicKey: string
  counter: number
  transports?: string[]
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  aaguid?: string
  name?: string
  createdAt: number
  lastUsedAt?: number
}

/** A `passkeys` row. */
interface PasskeyRow {
  id: string
  user_id: string
  public_key: string
  counter: number
  transports: string | null
  device_type: 'singleDevice' | 'multiDevice'
  backed_up: number
  aaguid: string | null
  name: string | null
  created_at: number
  last_used_at: number | null
}

const toCredential = (row: PasskeyRow): PasskeyCredential => ({
  id: row.id,
  userId: row.user_id,
  publicKey: row.public_key,
  counter: row.counter,
  ...(row.transports ? { transports: JSON.parse(row.transports) as string[] } : {}),
  deviceType: row.device_type,
  backedUp: row.backed_up === 1,
  ...(row.aaguid ? { aaguid: row.aaguid } : {}),
  ...(row.name ? { name: row.name } : {}),
  createdAt: row.created_at,
  ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
})

/** By primary key: SQLite compares TEXT exactly (BINARY), as credential IDs need. */
export async function passkeyById(id: string): Promise<PasskeyCredential | null> {
  await schemaReady()
  const row = await db.prepare('SELECT * FROM passkeys WHERE id = ?').get(id) as PasskeyRow | undefined
  return row ? toCredential(row) : null
}

export async function passkeysOf(userId: string): Promise<PasskeyCredential[]> {
  await schemaReady()
  return (await db.prepare('SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at').all(userId) as PasskeyRow[]).map(toCredential)
}

export async function insertPasskey(c: PasskeyCredential): Promise<void> {
  await schemaReady()
  await db.prepare('INSERT INTO passkeys (id, user_id, public_key, counter, transports, device_type, backed_up, aaguid, name, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(c.id, c.userId, c.publicKey, c.counter, c.transports ? JSON.stringify(c.transports) : null, c.deviceType, c.backedUp ? 1 : 0, c.aaguid ?? null, c.name ?? null, c.createdAt, c.lastUsedAt ?? null)
}

/** A login: the new counter, backup state and last use. */
export async function updatePasskeyUse(c: PasskeyCredential): Promise<void> {
  await db.prepare('UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE id = ?').run(c.counter, c.backedUp ? 1 : 0, c.lastUsedAt ?? null, c.id)
}

/** Scoped by both: a user deletes only their own passkeys. */
export async function deletePasskey(id: string, userId: string): Promise<void> {
  await db.prepare('DELETE FROM passkeys WHERE id = ? AND user_id = ?').run(id, userId)
}
