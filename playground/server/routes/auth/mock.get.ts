// Overrides the default mock route to add custom claims (they run again on every refresh).
export default defineOAuthMockEventHandler({
  customClaims: user => ({ role: typeof user.role === 'string' ? user.role : 'viewer' }),
  onSuccess: ({ user }) => {
    console.info(`[playground] ${user.name} logged in`)
  },
})
