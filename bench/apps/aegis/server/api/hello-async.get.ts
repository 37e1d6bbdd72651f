// The same route read the usual way in an async handler: `await getAuthUser(event)`.
export default defineEventHandler(async (event) => {
  const user = await getAuthUser(event)
  return { ok: true, sub: user.sub }
})
