/**
 * CSRF defence for the endpoints that read or set the refresh cookie: a browser request
 * must be same-origin. Browsers send `Sec-Fetch-Site` and `Origin` on such POSTs; a request
 * without either is not from a browser page and cannot ride on a victim's cookie.
 */
export function isSameOriginRequest(headers: { secFetchSite?: string | null, origin?: string | null }, expectedOrigin: string): boolean {
  const site = headers.secFetchSite?.toLowerCase()
  if (site && site !== 'same-origin' && site !== 'none') return false
  const origin = headers.origin
  if (origin !== undefined && origin !== null && origin !== '') {
    if (origin === 'null') return false
    const expected = normalizeOrigin(expectedOrigin)
    return expected !== undefined && normalizeOrigin(origin) === expected
  }
  return true
}

export function normalizeOrigin(value: string): string | undefined {
  try {
    return new URL(value).origin
  }
  catch {
    return undefined
  }
}
