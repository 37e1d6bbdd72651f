import type { PasskeyCredential } from '../../../src/module'

// Demo only: passkeys live in memory and are gone on restart (a real app keeps them in its database).
const passkeys = new Map<string, PasskeyCredential>()

export default definePasskeyProvider({
  findCredential: id => passkeys.get(id) ?? null,
  listCredentials: userId => [...passkeys.values()].filter(credential => credential.userId === userId),
  saveCredential: (credential) => {
    passkeys.set(credential.id, { ...credential })
  },
  deleteCredential: (id, userId) => {
    if (passkeys.get(id)?.userId === userId) passkeys.delete(id)
  },
  // Without a user table, the token's profile is just the sub: show which passkey user it is.
  findUser: userId => ({ sub: userId, provider: 'passkey', name: `passkey user ${userId}` }),
})
