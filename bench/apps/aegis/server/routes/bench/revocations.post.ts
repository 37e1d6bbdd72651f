import { randomBytes } from 'node:crypto'
import { useAegis } from '../../../../../../src/runtime/server/context/services'

/**
 * Bench only: puts `count` revoked sessions (random sids, as long as real ones) on this
 * instance's in-memory revocation list, as if that many sessions had ended in the last hour,
 * and answers the list's size. The bench's own session is not among them.
 */
export default defineEventHandler(async (event) => {
  const { count } = await readBody<{ count: number }>(event)
  const now = Math.floor(Date.now() / 1000)
  const entries = Array.from({ length: Number(count) }, (_, i) => ({ sid: randomBytes(16).toString('hex'), before: now, until: now + 3600, v: i + 1 }))
  const { list } = useAegis().revocations
  list.merge(entries)
  return { size: list.size }
})
