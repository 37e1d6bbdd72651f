import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { createDatabase } from 'db0'
import sqlite from 'db0/connectors/node-sqlite'

/**
 * The app's database: SQLite through db0 (Nitro's SQL layer) with Node's built-in `node:sqlite`.
 * Users, their linked sign-in identities, password hashes, passkeys and TOTP factors. The schema
 * is created on start.
 */
const path = process.env.ACCOUNTS_DB_PATH || './.data/accounts.sqlite'
mkdirSync(dirname(path), { recursive: true })
export const db = createDatabase(sqlite({ path }))

let ready: Promise<void> | undefined
export function schemaReady(): Promise<void> {
  ready ??= (async () => {
    await db.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      email TEXT UNIQUE COLLATE NOCASE,
      email_verified INTEGER NOT NULL DEFAULT 0,
      password_hash TEXT,
      name TEXT,
      created_at INTEGER NOT NULL
    )`)
    // One row per linked method: (provider, subject) belongs to one user only.
    await db.exec(`CREATE TABLE IF NOT EXISTS identities (
      provider TEXT NOT NULL,
      subject TEXT NOT NULL,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (provider, subject)
    )`)
    // Passkeys (definePasskeyProvider): one row per credential; its ID is also the user's
    // identity ('passkey', id) in the identities table (the module links it on registration).
    await db.exec(`CREATE TABLE IF NOT EXISTS passkeys (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      public_key TEXT NOT NULL,
      counter INTEGER NOT NULL,
      transports TEXT,
      device_type TEXT NOT NULL,
      backed_up INTEGER NOT NULL,
      aaguid TEXT,
      name TEXT,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER
    )`)
    // Second factors (defineMfaProvider): the module's opaque record per user, as JSON. Its TOTP
    // secret is encrypted by the module and its recovery codes are hashes.
    await db.exec(`CREATE TABLE IF NOT EXISTS mfa_factors (
      user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      factors TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`)
    // Dev mailbox: the codes the app "sends" (a real app hands them to its mailer).
    await db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      email TEXT NOT NULL, purpose TEXT NOT NULL, code TEXT NOT NULL, created_at INTEGER NOT NULL
    )`)
  })()
  return ready
}

export interface UserRow { id: string, email: string | null, email_verified: number, password_hash: string | null, name: string | null }

/** The user as the module takes it: `sub` is our id for every sign-in method. */
export const toUser = (row: UserRow) => ({ sub: row.id, email: row.email ?? undefined, email_verified: row.email_verified === 1, name: row.name ?? undefined })

export async function userById(id: string): Promise<UserRow | undefined> {
  await schemaReady()
  return await db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined
}

/** Case-insensitive (COLLATE NOCASE), as app databases often are: the module checks the match itself. */
export async function userByEmail(email: string): Promise<UserRow | undefined> {
  await schemaReady()
  return await db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined
}

export async function userByIdentity(provider: string, subject: string): Promise<UserRow | undefined> {
  await schemaReady()
  return await db.prepare('SELECT users.* FROM identities JOIN users ON users.id = identities.user_id WHERE provider = ? AND subject = ?').get(provider, subject) as UserRow | undefined
}

export async function createUser(fields: { email?: string | null, emailVerified?: boolean, passwordHash?: string | null, name?: string | null }): Promise<UserRow> {
  await schemaReady()
  const id = crypto.randomUUID()
  await db.prepare('INSERT INTO users (id, email, email_verified, password_hash, name, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(id, fields.email ?? null, fields.emailVerified ? 1 : 0, fields.passwordHash ?? null, fields.name ?? null, Date.now())
  return (await userById(id))!
}

export async function addIdentity(userId: string, provider: string, subject: string): Promise<void> {
  await schemaReady()
  await db.prepare('INSERT INTO identities (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)').run(provider, subject, userId, Date.now())
}
