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

/**
 * The key a client IP is rate-limited under: an IPv4 address as it is; an IPv6 address by its
 * /64 network (one customer or host usually holds a whole /64, so counting single addresses
 * would give it 2^64 fresh budgets).
 */
export function rateLimitGroup(ip: string): string {
  if (!ip.includes(':')) return ip
  const groups = expandIpv6(ip)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip
}

/** The eight 16-bit groups of an IPv6 literal (leading zeros dropped), or undefined when malformed. */
function expandIpv6(ip: string): string[] | undefined {
  const halves = ip.split('::')
  if (halves.length > 2) return undefined
  const part = (text: string) => (text ? text.split(':') : [])
  const head = part(halves[0]!)
  const tail = halves.length === 2 ? part(halves[1]!) : []
  // An embedded IPv4 tail (::1.2.3.4) counts as two groups; only its /64 prefix matters here.
  const last = tail.length ? tail : head
  if (last.length && last[last.length - 1]!.includes('.')) last.splice(last.length - 1, 1, '0', '0')
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail]
  if (!groups.every(group => /^[\da-f]{1,4}$/i.test(group))) return undefined
  return groups.map(group => Number.parseInt(group, 16).toString(16))
}
