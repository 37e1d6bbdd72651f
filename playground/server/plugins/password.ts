import type { PasswordAccount } from '../../../src/module'

// Demo only: accounts live in memory and are gone on restart; "emails" are printed here.
const accounts = new Map<string, PasswordAccount>()
let nextId = 1

export default definePasswordProvider({
  findUser: email => accounts.get(email) ?? null,
  onUserPersist: (change) => {
    if (change.action === 'create') {
      accounts.set(change.email, { id: `demo-${nextId++}`, email: change.email, passwordHash: change.passwordHash, emailVerified: false, name: change.email.split('@')[0], role: 'member' })
      return
    }
    const account = accounts.get(change.email)
    if (!account) return
    if (change.action === 'verify' || change.emailVerified) account.emailVerified = true
    if (change.action === 'password') account.passwordHash = change.passwordHash
  },
  sendVerificationCode: ({ email, purpose, code, url }) => {
    // A real app sends an email here (and never logs the code).
    console.info(`\n[playground mail] to ${email} (${purpose}): code ${code}${url ? `\n  link: ${url}` : ''}\n`)
  },
  customClaims: user => ({ role: typeof user.role === 'string' ? user.role : 'member' }),
})
