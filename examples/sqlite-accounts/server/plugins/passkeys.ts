import { toUser, userById } from '../utils/db'
import { deletePasskey, insertPasskey, passkeyById, passkeysOf, updatePasskeyUse } from '../utils/passkeys'

/**
 * Passkeys in the `passkeys` table. With defineAccounts (server/plugins/accounts.ts) each one is
 * also a linked method: the module calls linkIdentity('passkey', <credential ID>) before
 * saveCredential, sends passkey logins through resolveUser, and refuses to delete the last method.
 */
export default definePasskeyProvider({
  findCredential: id => passkeyById(id),
  listCredentials: userId => passkeysOf(userId),
  saveCredential: (credential, change) => change === 'register' ? insertPasskey(credential) : updatePasskeyUse(credential),
  deleteCredential: (id, userId) => deletePasskey(id, userId),
  // The profile a passkey login signs in; a deleted user has none (refused).
  async findUser(userId) {
    const row = await userById(userId)
    return row ? toUser(row) : null
  },
})
