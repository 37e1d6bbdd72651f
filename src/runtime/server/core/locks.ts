import type { Storage } from 'unstorage'
import { fingerprint } from './crypto'
import { pooledRandomToken } from './random'
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
  /**
   * Compare-and-set on the lease: keeps the lock `ttlMs` longer from now if `lease` still holds
   * it, and answers whether it did. A holder checks this before a write only the holder may do.
   */
  extend: (name: string, lease: string, ttlMs: number) => Promise<boolean>
  /** True when the locks hold across processes. */
  readonly shared: boolean
}

/** 96 random bits: no other holder can guess or repeat it (from the pool: no system call per lock). */
const newLease = () => pooledRandomToken(12)

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
    async extend(name, lease, ttlMs) {
      const current = held.get(name)
      if (!current || current.lease !== lease || current.until <= now()) return false
      current.until = now() + ttlMs
      return true
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
/** Extends the lock only while it still holds this lease (one atomic step in Redis). */
const EXTEND_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`

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
    async extend(name, lease, ttlMs) {
      return Number(await client.eval(EXTEND_SCRIPT, 1, key(name), lease, String(Math.max(1, Math.ceil(ttlMs))))) === 1
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
    extend: (name, lease, ttlMs) => get().extend(name, lease, ttlMs),
  }
}

const HOLD_MS = 5000
const FIRST_WAIT_STEP_MS = 10
const MAX_WAIT_STEP_MS = 100

/** The lock a `withLock` body holds: `extend` answers false once the lease is lost (it ran too long). */
export interface HeldLock {
  extend: (ttlMs: number) => Promise<boolean>
}

/**
 * The callers of this process in line for each lock name, per lock store: the promise the last
 * one in line settles when it is done. A caller waits on the one ahead of it, so waiters in one
 * process are woken the moment the holder ends, in the order they came (no polling between them).
 */
const lines = new WeakMap<Locks, Map<string, Promise<void>>>()

/**
 * Runs `fn` holding the named lock (for at most `holdMs`), waiting up to `waitMs` for it. In one
 * process callers queue per lock name and wait on the holder's end (first come, first served);
 * the first in line takes the store's lock, polling (10 ms, backing off to 100 ms) only while
 * another instance holds it. A lock that never frees up, or a lock store that fails, is a 503
 * (retry), never a 500; a failed release only logs (the lock expires by itself).
 */
export async function withLock<T>(locks: Locks, name: string, fn: (held: HeldLock) => Promise<T>, options: WithLockOptions = {}): Promise<T> {
  const holdMs = options.holdMs ?? HOLD_MS
  const waitMs = options.waitMs ?? holdMs
  const started = Date.now()
  const busy = () => options.busy?.() ?? new AegisError(503, 'storage_unavailable', `lock ${fingerprint(name)} not released`)
  let line = lines.get(locks)
  if (!line) lines.set(locks, line = new Map())
  const ahead = line.get(name)
  let leave!: () => void
  const mine = new Promise<void>((resolve) => {
    leave = resolve
  })
  line.set(name, mine)
  let myTurn = ahead === undefined
  try {
    // One try at once even behind others: a holder whose lease ran out (it overran `holdMs`)
    // no longer excludes anyone. Otherwise wait for the one ahead to end, then take the lock.
    let lease = myTurn ? undefined : await storageCall('lock', () => locks.acquire(name, holdMs))
    if (lease) myTurn = true
    if (!myTurn) myTurn = await within(ahead!, waitMs)
    if (!myTurn) throw busy()
    lease ??= await acquire(locks, name, holdMs, Math.max(0, waitMs - (Date.now() - started)), busy)
    const owned = lease
    const held: HeldLock = { extend: ttlMs => storageCall('lock', () => locks.extend(name, owned, ttlMs)) }
    try {
      return await fn(held)
    }
    finally {
      await locks.release(name, owned).catch(() => log.warn(`lock ${fingerprint(name)} not released; it expires by itself`))
    }
  }
  finally {
    // Who gave up waiting still hands on only after the one ahead: the line stays in order.
    if (myTurn) leave()
    else void ahead!.then(leave)
    void mine.then(() => {
      if (line.get(name) === mine) line.delete(name)
    })
  }
}

/** True once `ahead` settles, false if `ms` pass first. */
async function within(ahead: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false)
  })
  try {
    return await Promise.race([ahead.then(() => true as const), timeout])
  }
  finally {
    clearTimeout(timer)
  }
}

/**
 * The store's lock: at once when free, else polled while another holder has it (another
 * instance, or a direct `acquire` in this one), for about `waitMs` (counted in the steps slept).
 */
async function acquire(locks: Locks, name: string, holdMs: number, waitMs: number, busy: () => Error): Promise<string> {
  for (let waited = 0, step = FIRST_WAIT_STEP_MS; ; waited += step, step = Math.min(MAX_WAIT_STEP_MS, step * 1.5)) {
    const lease = await storageCall('lock', () => locks.acquire(name, holdMs))
    if (lease) return lease
    if (waited > waitMs) throw busy()
    await new Promise(resolve => setTimeout(resolve, step))
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
