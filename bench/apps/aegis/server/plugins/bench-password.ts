/**
 * Bench only: a password provider without accounts, so the memory bench can send password
 * logins with random emails (all refused) and watch the credentials store.
 */
export default definePasswordProvider({
  findUser: () => null,
  onUserPersist: () => {
    throw new Error('the bench has no accounts')
  },
  sendVerificationCode: () => {},
})
