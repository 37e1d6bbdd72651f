import { accounts, deliver, newAccount } from '../utils/demo-accounts'

// Demo only: accounts live in memory and are gone on restart; "emails" are printed and listed at /api/dev/outbox.
export default definePasswordProvider({
  findUser: email => accounts.get(email) ?? null,
  onUserPersist: (change) => {
    if (change.action === 'create') return newAccount(change.email, change.passwordHash, false)
    const account = accounts.get(change.email)
    if (!account) return
    if (change.action === 'verify' || change.emailVerified) account.emailVerified = true
    if (change.action === 'password') account.passwordHash = change.passwordHash
  },
  sendVerificationCode: ({ email, purpose, code, url }) => deliver(email, purpose, code, url),
  customClaims: user => ({ role: typeof user.role === 'string' ? user.role : 'member' }),
})
