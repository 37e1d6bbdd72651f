// The same handler behind nuxt-auth-utils: requireUserSession unseals the session cookie.
export default defineEventHandler(async (event) => {
  const { user } = await requireUserSession(event)
  return { ok: true, sub: String(user.id) }
})
