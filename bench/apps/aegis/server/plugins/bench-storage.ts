import memoryDriver from 'unstorage/drivers/memory'
import fsDriver from 'unstorage/drivers/fs'
import redisDriver from 'unstorage/drivers/redis'

/**
 * Bench only: mounts the refresh-token storage chosen by BENCH_REFRESH_DRIVER (memory, fs, redis),
 * so one build serves all three drivers. It is the same unstorage driver that
 * `tokenRefresh.storage: { driver }` would mount at start.
 */
export default defineNitroPlugin(() => {
  const driver = process.env.BENCH_REFRESH_DRIVER ?? 'memory'
  const storage = useStorage()
  // Without dispose the unmount is synchronous, so the new mount is in place before any request.
  void storage.unmount('aegis:refresh', false)
  if (driver === 'memory') storage.mount('aegis:refresh', memoryDriver())
  else if (driver === 'fs') storage.mount('aegis:refresh', fsDriver({ base: process.env.BENCH_FS_BASE ?? './.data/refresh-tokens' }))
  else if (driver === 'redis') storage.mount('aegis:refresh', redisDriver({ url: process.env.BENCH_REDIS_URL, base: process.env.BENCH_REDIS_BASE ?? 'aegis-bench' }))
  else throw new Error(`BENCH_REFRESH_DRIVER=${driver}: expected memory, fs or redis`)
  // BENCH_CREDENTIALS_DRIVER=unstorage-memory: the credentials store as it was before the bounded
  // driver (unstorage's memory driver, which ignores TTLs), for comparison. Runs after the
  // module's plugin has swapped in the bounded driver, so this replaces it.
  if (process.env.BENCH_CREDENTIALS_DRIVER === 'unstorage-memory') {
    void storage.unmount('aegis:credentials', false)
    storage.mount('aegis:credentials', memoryDriver())
  }
})
