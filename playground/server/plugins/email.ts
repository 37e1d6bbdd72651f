import { accounts, deliver, newAccount } from '../utils/demo-accounts'

// Email code login over the same demo accounts; new addresses sign up (providers.email.signUp).
export default defineEmailProvider({
  findUser: email => accounts.get(email) ?? null,
  sendVerificationCode: ({ email, code, url, signUp }) => deliver(email, signUp ? 'email sign-up' : 'email login', code, url),
  createUser: ({ email }) => newAccount(email, null, true),
  customClaims: user => ({ role: typeof user.role === 'string' ? user.role : 'member' }),
  // The same demo accounts as the password provider: one person's sessions are ended together.
  sharesAccountsWith: 'password',
})
