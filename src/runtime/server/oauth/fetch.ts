/**
 * The only way the engine talks to identity providers: a timeout on every call, a cap on the
 * response size, redirects never followed. Passed to oauth4webapi as its `customFetch`.
 */

export const PROVIDER_TIMEOUT_MS = 10_000
export const MAX_RESPONSE_BYTES = 1_000_000

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>

export interface BoundedFetchOptions {
  timeoutMs?: number
  maxBytes?: number
  /** Requests to this origin are served in process (the built-in mock provider). */
  local?: { origin: string, fetch: Fetcher }
  /** The network fetch; injectable for tests. */
  fetch?: Fetcher
}

/** A provider answered in a way the engine refuses to read (too large, a redirect, timed out). */
export class ProviderHttpError extends Error {
  constructor(readonly reason: 'timeout' | 'too_large' | 'redirect' | 'network') {
    super(`provider HTTP call failed: ${reason}`)
    this.name = 'ProviderHttpError'
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** http:// is acceptable only for a provider on this machine (dev and tests). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (LOOPBACK.has(url.hostname) || url.hostname.endsWith('.localhost'))
}

export function createBoundedFetch(options: BoundedFetchOptions = {}): Fetcher {
  const timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES
  return async (url, init) => {
    const target = new URL(url)
    const local = options.local && target.origin === options.local.origin ? options.local : undefined
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    let response: Response
    try {
      response = local
        ? await local.fetch(target.pathname + target.search, { ...init, redirect: 'manual', signal })
        : await (options.fetch ?? fetch)(target.href, { ...init, redirect: 'manual', signal })
    }
    catch {
      throw new ProviderHttpError(timeout.aborted ? 'timeout' : 'network')
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {})
      throw new ProviderHttpError('redirect')
    }
    const body = await readCapped(response, maxBytes, timeout)
    return new Response(body as BodyInit | null, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

async function readCapped(response: Response, maxBytes: number, timeout: AbortSignal): Promise<Buffer | null> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new ProviderHttpError('too_large')
  }
  if (!response.body) return null
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw new ProviderHttpError('too_large')
      }
      chunks.push(value)
    }
  }
  catch (error) {
    if (error instanceof ProviderHttpError) throw error
    throw new ProviderHttpError(timeout.aborted ? 'timeout' : 'network')
  }
  return Buffer.concat(chunks)
}
