import type { Storage } from 'unstorage'
import { fingerprint, randomToken } from './crypto'
import { AegisError, log } from './errors'
import { storageCall } from './storage-io'

/**
 * Short-lived named locks: the one atomic step the session and CODE stores need
 * ("only one caller may rotate this token / take this CODE"). Memory locks serialize one
 * process; Redis locks (`SET NX PX`) serialize every instance sharing the Redis.
 */
export interface Locks {
  /** Takes the lock for `ttlMs`; false when another holder has it. */
  acquire: (name: string, ttlMs: number) => Promise<boolean>
  /** Gives the lock up (only the holder calls this). */
  release: (name: string) => Promise<void>
  /** True when the locks hold across processes. */
  readonly shared: boolean
}

export function createMemoryLocks(now: () => number = Date.now): Locks {
  const held = new Map<string, number>()
  return {
    shared: false,
    async acquire(name, ttlMs) {
      const until = held.get(name)
      if (until !== undefined && until > now()) return false
      if (held.size > 10_000) {
        for (const [key, expiry] of held) if (expiry <= now()) held.delete(key)
      }
      held.set(name, now() + ttlMs)
      return true
    },
    async release(name) {
      held.delete(name)
    },
  }
}

/** The part of an ioredis client the locks use. */
export interface RedisLike {
  set: (key: string, value: string, ...args: Array<string | number>) => Promise<unknown>
  del: (...keys: string[]) => Promise<unknown>
}

export function createRedisLocks(client: RedisLike, keyPrefix: string): Locks {
  const key = (name: string) => `${keyPrefix}${name}`
  const owner = randomToken(9)
  return {
    shared: true,
    async acquire(name, ttlMs) {
      return (await client.set(key(name), owner, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK'
    },
    async release(name) {
      await client.del(key(name))
    },
  }
}

interface MountedDriver {
  name?: string
  options?: { base?: string }
  getInstance?: () => unknown
}

/**
 * Locks for an unstorage mount: Redis locks when the mount is the redis driver (keys beside
 * the mount's own, under the driver's `base`), memory locks otherwise.
 */
export function locksForMount(root: Pick<Storage, 'getMount'>, mountBase: string, keyPrefix: string): Locks {
  const { driver } = root.getMount(mountBase) as { driver: MountedDriver }
  if (driver.name === 'redis' && typeof driver.getInstance === 'function') {
    const base = (driver.options?.base ?? '').replace(/:$/, '')
    return createRedisLocks(driver.getInstance() as RedisLike, `${base ? `${base}:` : ''}${keyPrefix}lock:`)
  }
  return createMemoryLocks()
}

/**
 * Locks chosen on first use rather than at start-up, so a storage mount replaced by a Nitro
 * plugin (runtime storage configuration) is honoured.
 */
export function lazyLocks(resolve: () => Locks): Locks {
  let locks: Locks | undefined
  const get = () => (locks ??= resolve())
  return {
    get shared() {
      return get().shared
    },
    acquire: (name, ttlMs) => get().acquire(name, ttlMs),
    release: name => get().release(name),
  }
}

const HOLD_MS = 5000
const WAIT_STEP_MS = 10

/**
 * Runs `fn` holding the named lock (for at most `holdMs`), waiting up to as long for it. A lock that never frees
 * up, or a lock store that fails, is a 503 (retry), never a 500; a failed release only logs (the
 * lock expires by itself).
 */
export async function withLock<T>(locks: Locks, name: string, fn: () => Promise<T>, holdMs = HOLD_MS): Promise<T> {
  for (let waited = 0; !(await storageCall('lock', () => locks.acquire(name, holdMs))); waited += WAIT_STEP_MS) {
    if (waited > holdMs) throw new AegisError(503, 'storage_unavailable', `lock ${fingerprint(name)} not released`)
    await new Promise(resolve => setTimeout(resolve, WAIT_STEP_MS))
  }
  try {
    return await fn()
  }
  finally {
    await locks.release(name).catch(() => log.warn(`lock ${fingerprint(name)} not released; it expires by itself`))
  }
}
