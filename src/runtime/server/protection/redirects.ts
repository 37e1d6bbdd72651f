/**
 * Safe redirect targets: only a same-origin relative path is accepted. Anything that a
 * browser could read as another origin (`//host`, `/\host`, encoded slashes or backslashes,
 * schemes, `user@host`, control characters) is refused.
 */
export function safeRedirectPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined
  if (!value.startsWith('/')) return undefined
  if (value.startsWith('//') || value.startsWith('/\\')) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F\\]/.test(value)) return undefined
  if (/%(?:2f|5c|00|0[9ad])/i.test(value)) return undefined
  if (value.includes('@')) return undefined
  let decoded: string
  try {
    decoded = decodeURIComponent(value)
  }
  catch {
    return undefined
  }
  if (decoded.startsWith('//') || decoded.includes('\\')) return undefined
  // The URL parser is the final word: it must stay on the same origin and path.
  const base = 'http://aegis.invalid'
  const url = new URL(value, base)
  if (url.origin !== base) return undefined
  // Dot segments can leave a path that starts with `//` (`/.//evil.com`): a protocol-relative URL.
  const path = url.pathname + url.search + url.hash
  // The parser may grow the value (percent-encoding): bound what is stored in cookies.
  return path.startsWith('//') || path.length > MAX_REDIRECT_LENGTH ? undefined : path
}

const MAX_REDIRECT_LENGTH = 1024
