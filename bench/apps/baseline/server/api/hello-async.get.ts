// The async form of the baseline handler: one awaited, already resolved promise, as
// `await getAuthUser(event)` is in the nuxt-aegis app, so (b2)/(a2) compares like with like.
export default defineEventHandler(async () => {
  const user = await Promise.resolve({ sub: 'anonymous' })
  return { ok: true, sub: user.sub }
})
