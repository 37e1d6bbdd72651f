/**
 * Storage mount options: driver defaults apply per driver (the fs directory never becomes a
 * Redis key prefix) and user values are kept.
 */
import Redis from 'ioredis'
import { defu } from 'defu'
import { createStorage, prefixStorage } from 'unstorage'
import redisDriver from 'unstorage/drivers/redis'
import { afterAll, describe, expect, it } from 'vitest'
import { defaults } from '../../src/options'
import type { StorageOptions } from '../../src/options'
import { CREDENTIALS_MAX_ENTRIES, FS_BASES, resolveStorageOptions, STORAGE_SPECS } from '../../src/setup/storage-defaults'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'

/** What module.ts mounts as `aegis:refresh` for the user's `tokenRefresh.storage` (module defaults merged first, as Nuxt does). */
const refreshMount = (storage?: StorageOptions) =>
  resolveStorageOptions(defu({ tokenRefresh: { storage } }, defaults).tokenRefresh.storage, STORAGE_SPECS['aegis:refresh'])

describe('[SES-16] storage options: defaults per driver', () => {
  it('fs (the default) gets the refresh-token directory; prefix is the module\'s, never a driver option', () => {
    expect(refreshMount()).toEqual({ driver: 'fs', base: FS_BASES.refresh })
    expect(refreshMount({ driver: 'fs' })).toEqual({ driver: 'fs', base: FS_BASES.refresh })
  })

  it('redis gets no base: the fs directory must not become a key prefix', () => {
    const mount = refreshMount({ driver: 'redis', url: 'redis://127.0.0.1:6379' })
    expect(mount).toEqual({ driver: 'redis', url: 'redis://127.0.0.1:6379' })
    expect(mount).not.toHaveProperty('base')
  })

  it('user-given values are kept, for redis and fs alike', () => {
    expect(refreshMount({ driver: 'redis', url: 'redis://x', base: 'app:sessions' })).toEqual({ driver: 'redis', url: 'redis://x', base: 'app:sessions' })
    expect(refreshMount({ driver: 'fs', base: '/var/lib/app/sessions' })).toEqual({ driver: 'fs', base: '/var/lib/app/sessions' })
    expect(refreshMount({ base: '/srv/sessions' })).toEqual({ driver: 'fs', base: '/srv/sessions' })
    expect(refreshMount({ driver: 'fs', base: undefined })).toEqual({ driver: 'fs', base: FS_BASES.refresh })
  })

  it('memory for sessions has no cap (evicting a live session record would break logout everywhere); a user cap is kept', () => {
    expect(refreshMount({ driver: 'memory' })).toEqual({ driver: 'memory', maxEntries: 0 })
    expect(refreshMount({ driver: 'memory', maxEntries: 5000 })).toEqual({ driver: 'memory', maxEntries: 5000 })
  })

  it('authCode.storage: fs gets its own directory, redis none', () => {
    expect(resolveStorageOptions({ driver: 'fs' }, STORAGE_SPECS['aegis:codes'])).toEqual({ driver: 'fs', base: FS_BASES.codes })
    expect(resolveStorageOptions({ driver: 'redis', url: 'redis://x' }, STORAGE_SPECS['aegis:codes'])).toEqual({ driver: 'redis', url: 'redis://x' })
    expect(resolveStorageOptions({ driver: 'memory' }, STORAGE_SPECS['aegis:codes'])).toEqual({ driver: 'memory' })
  })

  it('password / credentials storage: unset is memory with a cap; fs gets its directory, redis none', () => {
    expect(resolveStorageOptions(undefined, STORAGE_SPECS['aegis:credentials'])).toEqual({ driver: 'memory', maxEntries: CREDENTIALS_MAX_ENTRIES })
    expect(resolveStorageOptions({ driver: 'fs' }, STORAGE_SPECS['aegis:credentials'])).toEqual({ driver: 'fs', base: FS_BASES.credentials })
    expect(resolveStorageOptions({ driver: 'fs-lite' }, STORAGE_SPECS['aegis:credentials'])).toEqual({ driver: 'fs-lite', base: FS_BASES.credentials })
    expect(resolveStorageOptions({ driver: 'redis', url: 'redis://x' }, STORAGE_SPECS['aegis:credentials'])).toEqual({ driver: 'redis', url: 'redis://x' })
  })
})

const redisUrl = process.env.AEGIS_REDIS_URL
describe.skipIf(!redisUrl)('[SES-16] redis keys land at the mount (skipped without AEGIS_REDIS_URL)', () => {
  const client = redisUrl ? new Redis(redisUrl) : undefined
  const scan = async (pattern: string) => {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await client!.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
    return keys
  }
  const cleanup = async () => {
    for (const pattern of ['refresh:*', '.:.data:refresh-tokens:*']) {
      const keys = await scan(pattern)
      if (keys.length) await client!.unlink(keys)
    }
  }
  afterAll(async () => {
    await cleanup()
    client?.disconnect()
  })

  it('a session written through the default redis mount is stored under refresh:, and listing the mount finds it', async () => {
    await cleanup()
    const { driver: _driver, ...options } = refreshMount({ driver: 'redis', url: redisUrl })
    const storage = createStorage()
    storage.mount('aegis:refresh', redisDriver(options))
    try {
      const sessions = createSessionStore({
        // What useStorage('aegis:refresh') gives the module.
        storage: prefixStorage(storage, 'aegis:refresh'),
        prefix: 'refresh:',
        idleTimeout: 3600,
        absoluteTimeout: 86400,
        rotation: true,
        reuseInterval: 10,
        locks: createMemoryLocks(),
      })
      const { token } = await sessions.create({ user: { sub: 'redis-keys', provider: 'mock' }, claims: {} })
      const id = token.split('.')[0]!
      const raw = await scan('*')
      expect(raw.some(key => key.startsWith('refresh:') && key.endsWith(id))).toBe(true)
      expect(raw.filter(key => key.startsWith('.:'))).toEqual([])
      const listed = await storage.getKeys('aegis:refresh')
      expect(listed.some(key => key.startsWith('aegis:refresh:refresh:') && key.endsWith(id))).toBe(true)
    }
    finally {
      await storage.dispose()
    }
  })
})
