/** Bench only: removes what a run left in the refresh-token storage (only under the bench's own base). */
export default defineEventHandler(async () => {
  await useStorage('aegis:refresh').clear()
  return { ok: true }
})
