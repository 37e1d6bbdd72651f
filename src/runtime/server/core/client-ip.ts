/**
 * The client's IP address for rate limits. By default the socket's peer address: a client
 * can send any `X-Forwarded-For`. Behind `trustProxy` proxies (a count of hops), the address
 * that many entries from the right of `X-Forwarded-For` is used, the one the nearest trusted
 * proxy saw.
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: number): string {
  const socket = normalizeIp(socketAddress ?? '') || 'unknown'
  if (!(trustProxy > 0) || forwardedFor === undefined) return socket
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map(part => part.trim()).filter(Boolean)
  // chain[last] was added by the nearest proxy; each trusted hop added one entry.
  const candidate = chain[chain.length - trustProxy]
  return (candidate && normalizeIp(candidate)) || socket
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; anything that is not an IP literal → ''. */
export function normalizeIp(value: string): string {
  const ip = value.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(ip)) return ip
  if (/^[\da-f:]+$/i.test(ip) && ip.includes(':') && ip.length <= 45) return ip.toLowerCase()
  return ''
}

/** `true` means one proxy; numbers and numeric strings (env overrides) are hop counts. */
export function trustedHops(value: unknown): number {
  if (value === true || value === 'true') return 1
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}
