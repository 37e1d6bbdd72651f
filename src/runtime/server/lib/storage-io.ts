import { AegisError, log } from './errors'

/**
 * Runs a storage call of the credential stores (codes, rate-limit counters); a driver failure
 * becomes 503 `storage_unavailable` instead of a 500, and its message (which may hold a key)
 * is not logged.
 */
export async function storageCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  }
  catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    log.error(`credentials storage ${what} failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'})`)
    throw new AegisError(503, 'storage_unavailable')
  }
}
