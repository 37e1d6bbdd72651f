import type { HeldLock, Locks } from './locks'
import { withLock } from './locks'

/**
 * Runs async steps one after another per key: a read-modify-write on a storage record cannot
 * interleave with another one on the same key. In this process by a queue; across instances
 * when `locks` are shared (Redis `SET NX`), otherwise only as atomic as the storage driver.
 * A step that must not write after its lease ran out gets the held lock (shared locks only).
 */
export function createKeyedQueue(locks?: Locks) {
  const tails = new Map<string, Promise<void>>()
  return function run<T>(key: string, fn: (held?: HeldLock) => Promise<T>): Promise<T> {
    const step = locks?.shared ? () => withLock(locks, key, fn) : () => fn()
    const result = (tails.get(key) ?? Promise.resolve()).then(step)
    const settled = result.then(() => {}, () => {})
    tails.set(key, settled)
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key)
    })
    return result
  }
}
