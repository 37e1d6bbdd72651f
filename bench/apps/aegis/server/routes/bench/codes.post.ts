import { useAegis } from '../../../../../../src/runtime/server/context/services'
import { randomToken, sha256 } from '../../../../../../src/runtime/server/core/crypto'
import { handoffCookieName } from '../../../../../../src/runtime/server/context/cookies'

/**
 * Bench only (never in the module): issues `n` CODEs, each for its own user (as many users
 * logging in, not one user with thousands of sessions), exactly as the login route
 * does after a successful provider callback, and returns each with its handoff-cookie value,
 * so the CODE exchange can be loaded without running thousands of logins first.
 */
export default defineEventHandler(async (event) => {
  const { n = 1, keep = true } = await readBody<{ n?: number, keep?: boolean }>(event)
  const { codes } = useAegis()
  const out: Array<{ code: string, cookie: string }> = []
  for (let index = 0; index < n; index++) {
    const user = { sub: `mock-bench-${randomToken(9)}`, provider: 'mock', name: 'Bench User', email: 'bench@example.com', email_verified: true }
    const binding = randomToken(32)
    const code = await codes.issue({ user, claims: { role: 'user' }, binding: sha256(binding) })
    if (keep) out.push({ code, cookie: `${handoffCookieName(code)}=${binding}` })
  }
  return keep ? out : { issued: n }
})
