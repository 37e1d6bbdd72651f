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
  /**
   * Takes the lock for `ttlMs`: a lease (a random string) to release it with, or undefined
   * when another holder has it.
   */
  acquire: (name: string, ttlMs: number) => Promise<string | undefined>
  /**
   * Gives the lock up if `lease` still holds it. A holder whose lock expired and was taken by
   * another caller releases nothing: it can never free somebody else's lock.
   */
  release: (name: string, lease: string) => Promise<void>
  /** True when the locks hold across processes. */
  readonly shared: boolean
}

/** 96 random bits: no other holder can guess or repeat it. */
const newLease = () => randomToken(12)

export function createMemoryLocks(now: () => number = Date.now): Locks {
  const held = new Map<string, { until: number, lease: string }>()
  return {
    shared: false,
    async acquire(name, ttlMs) {
      const current = held.get(name)
      if (current && current.until > now()) return undefined
      if (held.size > 10_000) {
        for (const [key, { until }] of held) if (until <= now()) held.delete(key)
      }
      const lease = newLease()
      held.set(name, { until: now() + ttlMs, lease })
      return lease
    },
    async release(name, lease) {
      if (held.get(name)?.lease === lease) held.delete(name)
    },
  }
}

/** The part of an ioredis client the locks use. */
export interface RedisLike {
  set: (key: string, value: string, ...args: Array<string | number>) => Promise<unknown>
  eval: (script: string, numKeys: number, ...args: string[]) => Promise<unknown>
}

/** Deletes the lock only while it still holds this lease (one atomic step in Redis). */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export function createRedisLocks(client: RedisLike, keyPrefix: string): Locks {
  const key = (name: string) => `${keyPrefix}${name}`
  return {
    shared: true,
    async acquire(name, ttlMs) {
      const lease = newLease()
      return (await client.set(key(name), lease, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK' ? lease : undefined
    },
    async release(name, lease) {
      await client.eval(RELEASE_SCRIPT, 1, key(name), lease)
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
    release: (name, lease) => get().release(name, lease),
  }
}

const HOLD_MS = 5000
const FIRST_WAIT_STEP_MS = 10
const MAX_WAIT_STEP_MS = 100

/**
 * Runs `fn` holding the named lock (for at most `holdMs`), waiting up to `waitMs` for it
 * (polling at 10 ms, backing off to 100 ms). A lock that never frees up, or a lock store that
 * fails, is a 503 (retry), never a 500; a failed release only logs (the lock expires by itself).
 */
export async function withLock<T>(locks: Locks, name: string, fn: () => Promise<T>, options: WithLockOptions = {}): Promise<T> {
  const holdMs = options.holdMs ?? HOLD_MS
  const waitMs = options.waitMs ?? holdMs
  let lease: string | undefined
  for (let waited = 0, step = FIRST_WAIT_STEP_MS; !(lease = await storageCall('lock', () => locks.acquire(name, holdMs))); waited += step, step = Math.min(MAX_WAIT_STEP_MS, step * 1.5)) {
    if (waited > waitMs) throw options.busy?.() ?? new AegisError(503, 'storage_unavailable', `lock ${fingerprint(name)} not released`)
    await new Promise(resolve => setTimeout(resolve, step))
  }
  try {
    return await fn()
  }
  finally {
    await locks.release(name, lease).catch(() => log.warn(`lock ${fingerprint(name)} not released; it expires by itself`))
  }
}

export interface WithLockOptions {
  /** How long the lock is held at most (ms; default 5 s). */
  holdMs?: number
  /** How long a caller waits for the lock (ms; default `holdMs`). */
  waitMs?: number
  /** The error when the lock stays taken that long (default: 503 `storage_unavailable`). */
  busy?: () => Error
}
