import type { StoredFactors } from '../../../src/runtime/server/mfa/types'

// Demo only: enrolled second factors in memory, one opaque record per user id (a JSON column in an app).
const factors = new Map<string, StoredFactors>()

export default defineMfaProvider({
  findFactors: user => factors.get(user.sub) ?? null,
  saveFactors: (user, record) => {
    if (record) factors.set(user.sub, record)
    else factors.delete(user.sub)
  },
})
