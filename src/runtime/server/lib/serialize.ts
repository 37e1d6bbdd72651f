import { AegisError } from './errors'
import type { Locks } from './locks'

const LOCK_MS = 5000
const STEP_MS = 10

/** Holds the named lock while `fn` runs, waiting a few seconds for it; 503 when it never frees up. */
async function holding<T>(locks: Locks, name: string, fn: () => Promise<T>): Promise<T> {
  for (let waited = 0; !(await locks.acquire(name, LOCK_MS)); waited += STEP_MS) {
    if (waited > LOCK_MS) throw new AegisError(503, 'storage_unavailable', 'counter lock not released')
    await new Promise(resolve => setTimeout(resolve, STEP_MS))
  }
  try {
    return await fn()
  }
  finally {
    await locks.release(name).catch(() => {})
  }
}

/**
 * Runs async steps one after another per key: a read-modify-write on a storage record cannot
 * interleave with another one on the same key. In this process by a queue; across instances
 * when `locks` are shared (Redis `SET NX`), otherwise only as atomic as the storage driver.
 */
export function createKeyedQueue(locks?: Locks) {
  const tails = new Map<string, Promise<void>>()
  return function run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const step = locks?.shared ? () => holding(locks, key, fn) : fn
    const result = (tails.get(key) ?? Promise.resolve()).then(step)
    const settled = result.then(() => {}, () => {})
    tails.set(key, settled)
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key)
    })
    return result
  }
}
