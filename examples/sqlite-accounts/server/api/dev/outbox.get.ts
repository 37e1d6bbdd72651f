import { db, schemaReady } from '../../utils/db'

/** The dev mailbox: the newest codes "sent" to an address. Only in dev, or with ACCOUNTS_DEV_MAILBOX=1 (the example's test). */
export default defineEventHandler(async (event) => {
  if (!import.meta.dev && process.env.ACCOUNTS_DEV_MAILBOX !== '1') throw createError({ statusCode: 404 })
  const email = String(getQuery(event).email ?? '')
  await schemaReady()
  return { messages: await db.prepare('SELECT purpose, code FROM outbox WHERE email = ? ORDER BY created_at DESC, rowid DESC LIMIT 5').all(email) }
})
