import type { PasswordAccount } from '../../../src/module'

/** Demo only: the playground's users, in memory (gone on restart), shared by the password and email logins. */
export const accounts = new Map<string, PasswordAccount>()
let nextId = 1

export function newAccount(email: string, passwordHash: string | null, emailVerified: boolean): PasswordAccount {
  const account: PasswordAccount = { id: `demo-${nextId++}`, email, passwordHash, emailVerified, name: email.split('@')[0], role: 'member' }
  accounts.set(email, account)
  return account
}

/** The "mails" of the playground: printed in the console and listed at /api/dev/outbox (dev only). */
export const outbox: Array<{ to: string, purpose: string, code: string, url?: string, at: string }> = []

export function deliver(to: string, purpose: string, code: string, url?: string): void {
  // A real app sends an email here (and never logs the code).
  console.info(`\n[playground mail] to ${to} (${purpose}): code ${code}${url ? `\n  link: ${url}` : ''}\n`)
  outbox.unshift({ to, purpose, code, url, at: new Date().toISOString() })
  outbox.length = Math.min(outbox.length, 20)
}
