// Under routeProtection.protectedRoutes: the middleware already checked the token.
export default defineEventHandler(async (event) => {
  const user = await getAuthUser(event)
  return { message: `Hello ${user.name ?? user.sub}, this came from a protected API.`, role: user.role, at: new Date().toISOString() }
})
