// Bench only: a session for the load test (the sealed cookie comes back in Set-Cookie).
export default defineEventHandler(async (event) => {
  await setUserSession(event, { user: { id: 'bench-user', name: 'Bench User', email: 'bench@example.com' } })
  return { ok: true }
})
