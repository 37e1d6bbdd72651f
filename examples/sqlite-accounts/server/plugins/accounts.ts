import { addIdentity, createUser, db, schemaReady, toUser, userByEmail, userById, userByIdentity } from '../utils/db'

/**
 * The module's callbacks on the SQLite tables: the password flows (findUser, onUserPersist,
 * sendVerificationCode) and accounts (resolveUser, linkIdentity ...), so a password, GitHub,
 * Google or a passkey all open one user. The schema is created when the server starts.
 */
export default defineNitroPlugin(() => {
  // Every query waits for it too; the callbacks register at once (Nitro does not await plugins).
  void schemaReady()

  definePasswordProvider({
    async findUser(email) {
      const row = await userByEmail(email)
      return row && row.email ? { id: row.id, email: row.email, passwordHash: row.password_hash, emailVerified: row.email_verified === 1, name: row.name ?? undefined } : null
    },
    async onUserPersist(change) {
      if (change.action === 'create') {
        const row = await createUser({ email: change.email, passwordHash: change.passwordHash })
        return { id: row.id, email: row.email!, passwordHash: row.password_hash, emailVerified: false }
      }
      if (change.action === 'verify') await db.prepare('UPDATE users SET email_verified = 1 WHERE id = ?').run(change.id)
      if (change.action === 'password') {
        await db.prepare('UPDATE users SET password_hash = ?, email_verified = MAX(email_verified, ?) WHERE id = ?').run(change.passwordHash, change.emailVerified ? 1 : 0, change.id)
      }
    },
    async sendVerificationCode(message) {
      // A real app sends an email here. The dev mailbox keeps it (GET /api/dev/outbox, dev only).
      await db.prepare('INSERT INTO outbox (email, purpose, code, created_at) VALUES (?, ?, ?, ?)').run(message.email, message.purpose, message.code, Date.now())
    },
  })

  defineAccounts({
    async resolveUser({ identity }) {
      const linked = await userByIdentity(identity.provider, identity.subject)
      if (linked) return toUser(linked)
      // A passkey is registered by a logged-in user and linked then: one that is not linked (its
      // row lost, or saved before accounts) signs nobody up.
      if (identity.provider === 'passkey') return null
      // A first login with this identity: a new user. Its email only when the provider verified it
      // and no account has it (a taken address is never merged here: see linkByVerifiedEmail).
      const email = identity.emailVerified && identity.email && !(await userByEmail(identity.email)) ? identity.email : null
      const row = await createUser({ email, emailVerified: email !== null, name: identity.profile.name })
      await addIdentity(row.id, identity.provider, identity.subject)
      return toUser(row)
    },
    async findUserByIdentity({ provider, subject }) {
      const row = await userByIdentity(provider, subject)
      return row ? { sub: row.id } : null
    },
    async linkIdentity({ user, identity }) {
      await addIdentity(user.sub, identity.provider, identity.subject)
    },
    async listIdentities({ user }) {
      const rows = await db.prepare('SELECT provider, subject FROM identities WHERE user_id = ? ORDER BY created_at').all(user.sub) as Array<{ provider: string, subject: string }>
      const row = await userById(user.sub)
      // A password is a sign-in method too; passkeys are rows of identities ('passkey', <credential ID>).
      return [...(row?.password_hash ? [{ provider: 'password', subject: row.id }] : []), ...rows.map(({ provider, subject }) => ({ provider, subject }))]
    },
    async unlinkIdentity({ user, identity }) {
      if (identity.provider === 'password') await db.prepare('UPDATE users SET password_hash = NULL WHERE id = ?').run(user.sub)
      else await db.prepare('DELETE FROM identities WHERE user_id = ? AND provider = ? AND subject = ?').run(user.sub, identity.provider, identity.subject)
    },
    // Opt-in: a provider identity whose verified email is the verified email of an account joins it.
    async linkByVerifiedEmail(email) {
      const row = await userByEmail(email)
      return row ? toUser(row) : null
    },
  })
})
