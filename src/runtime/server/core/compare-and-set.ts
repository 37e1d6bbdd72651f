import type { Storage } from 'unstorage'
import type { RedisLike } from './locks'

/**
 * Writes `next` at `key` only while the stored value is still `expected` (its text as read), in
 * one atomic step; false when somebody else wrote or removed it in between. A lock alone cannot
 * promise that: a holder whose lease ran out (a slow claims function) still goes on to write.
 */
export type CompareAndSet = (key: string, expected: string, next: unknown, ttlSeconds: number) => Promise<boolean>

/** The text a value has in storage, as unstorage writes it (strings as they are, the rest as JSON). */
export const storedText = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value)

const SWAP_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`

/** On Redis: a script compares and writes the key of the unstorage mount (`keyPrefix` is the driver's `base:`). */
export function createRedisCompareAndSet(client: RedisLike, keyPrefix: string): CompareAndSet {
  return async (key, expected, next, ttlSeconds) =>
    Number(await client.eval(SWAP_SCRIPT, 1, `${keyPrefix}${key}`, expected, storedText(next)!, String(Math.max(1, Math.ceil(ttlSeconds))))) === 1
}

// Per key, the last swap in flight in this process: the next one on that key waits for it.
const tails = new Map<string, Promise<unknown>>()

/**
 * For drivers without an atomic step (memory, fs: one instance): swaps on one key run one after
 * the other in this process, so the compare and the write of one are never split by another.
 */
export function createLocalCompareAndSet(storage: Storage): CompareAndSet {
  return (key, expected, next, ttlSeconds) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(async () => {
      if (storedText(await storage.getItem(key)) !== expected) return false
      await storage.setItem(key, next as string, { ttl: Math.max(1, Math.ceil(ttlSeconds)) })
      return true
    })
    const tail = run.catch(() => {}).finally(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    tails.set(key, tail)
    return run
  }
}

interface MountedDriver {
  name?: string
  options?: { base?: string }
  getInstance?: () => unknown
}

/**
 * The compare-and-set of an unstorage mount, chosen on first use (a Nitro plugin may replace the
 * mount): the Redis script when the mount is the redis driver, the in-process one otherwise.
 */
export function compareAndSetForMount(root: Pick<Storage, 'getMount'>, mountBase: string, storage: Storage): CompareAndSet {
  let chosen: CompareAndSet | undefined
  const choose = () => {
    const { driver } = root.getMount(mountBase) as { driver: MountedDriver }
    if (driver.name === 'redis' && typeof driver.getInstance === 'function') {
      const base = (driver.options?.base ?? '').replace(/:$/, '')
      return createRedisCompareAndSet(driver.getInstance() as RedisLike, base ? `${base}:` : '')
    }
    return createLocalCompareAndSet(storage)
  }
  return (...args) => (chosen ??= choose())(...args)
}
