/**
 * An encryption key change without the old key (or a rolling deploy where some instances lack
 * the new one): index records that do not open must never be written over, or the sessions they
 * list drop out of "logout everywhere" (and out of the sweep) once the old key is back.
 */
import { createStorage } from 'unstorage'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { createEncryptedCodec } from '../../src/runtime/server/sessions/record-codec'
import type { RecordCodec } from '../../src/runtime/server/sessions/record-codec'
import { createSessionIndexes } from '../../src/runtime/server/sessions/session-index'
import { createRecordStore } from '../../src/runtime/server/sessions/session-records'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { AegisUser } from '../../src/runtime/types'

const OLD_KEY = 'old-encryption-key-0123456789abcdefghijklmn'
const NEW_KEY = 'new-encryption-key-0123456789abcdefghijklmn'
const user: AegisUser = { sub: 'alice', provider: 'mock' }
const DAY = 86_400_000

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('[SES-15] index records that do not open are carried, never written over', () => {
  const storage = createStorage()
  const store = (codec: RecordCodec) => createSessionStore({
    storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 30 * 86400, rotation: true, reuseInterval: 10, codec,
  })

  it('a session of before a key change still ends on "logout everywhere" once the old key is back', async () => {
    const before = store(createEncryptedCodec([OLD_KEY]))
    const old = await before.create({ user, claims: {} })
    // Deployed with the new key and without the old one: alice logs in again, her indexes are rewritten.
    const during = store(createEncryptedCodec([NEW_KEY]))
    const fresh = await during.create({ user, claims: {} })
    expect(await during.get(old.token)).toBeUndefined()
    // The old key comes back as a previous key: the old session opens again, so it must be found.
    const restored = store(createEncryptedCodec([NEW_KEY, OLD_KEY]))
    expect(await restored.get(old.token)).toBeDefined()
    expect(await restored.listUser('alice', { provider: 'mock' })).toHaveLength(2)
    expect(await restored.revokeUser('alice')).toBe(2)
    expect(await restored.get(old.token)).toBeUndefined()
    expect(await restored.get(fresh.token)).toBeUndefined()
    expect(console.warn).toHaveBeenCalledWith('[nuxt-aegis]', expect.stringContaining('do not open with the current encryption keys'))
  })

  it('a sweep bucket that does not open is carried too: with the key back, the sweep ends every family filed in it', async () => {
    const buckets = createStorage()
    const clock = { t: Date.UTC(2026, 10, 1, 12) }
    const swept: string[] = []
    const indexes = (codec: RecordCodec) => createSessionIndexes(
      createRecordStore({ storage: buckets, prefix: 'refresh:', codec, locks: createMemoryLocks(() => clock.t), now: () => clock.t }),
      { sweep: true, keepUnreadMs: 30 * DAY, revokeFamily: async (id) => {
        swept.push(id)
      } },
    )
    // Two families of one day and one shard (the shard is the id's first character).
    const end = clock.t + DAY
    await indexes(createEncryptedCodec([OLD_KEY])).addExpiry('A-family-of-before-the-change', end)
    await indexes(createEncryptedCodec([NEW_KEY])).addExpiry('A-family-of-after-the-change', end)
    // The day after the one they end on.
    clock.t += 2 * DAY
    expect(await indexes(createEncryptedCodec([NEW_KEY, OLD_KEY])).sweep()).toBe(2)
    expect(swept.sort()).toEqual(['A-family-of-after-the-change', 'A-family-of-before-the-change'])
    expect((await buckets.getKeys()).filter(key => key.startsWith('refresh:expiry:'))).toEqual([])
  })
})
