// Under routeProtection.protectedRoutes: the module's middleware has verified the Bearer token.
export default defineEventHandler(async (event) => {
  const user = await getAuthUser(event)
  return { ok: true, sub: user.sub }
})
