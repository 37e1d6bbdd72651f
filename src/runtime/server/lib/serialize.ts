/**
 * Runs async steps one after another per key, in this process: a read-modify-write on a
 * storage record cannot interleave with another one on the same key. Across instances this
 * is only as atomic as the storage driver (see docs/password.md).
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<void>>()
  return function run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (tails.get(key) ?? Promise.resolve()).then(fn)
    const settled = result.then(() => {}, () => {})
    tails.set(key, settled)
    void settled.then(() => {
      if (tails.get(key) === settled) tails.delete(key)
    })
    return result
  }
}
