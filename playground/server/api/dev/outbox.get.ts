import { outbox } from '../../utils/demo-accounts'

/** The playground has no mail: the last codes and links it "sent", in dev only. */
export default defineEventHandler(() => {
  if (!import.meta.dev) throw createError({ statusCode: 404 })
  return outbox
})
