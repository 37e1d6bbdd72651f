import { AegisError, log } from './errors'

/**
 * Runs one call of a store (sessions, CODEs, credential codes and counters) against its
 * storage driver: a failure becomes 503 `storage_unavailable` instead of a 500, and the driver's
 * message (which may hold a key, i.e. a token id) is never logged.
 */
export async function storageCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  }
  catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    log.error(`${what} failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'})`)
    throw new AegisError(503, 'storage_unavailable')
  }
}
