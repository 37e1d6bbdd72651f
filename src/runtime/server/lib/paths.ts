/**
 * Path normalization and glob matching for route protection.
 *
 * The matcher must see the same segments the router dispatches on. h3 decodes the path
 * once (keeping `%2F` and `%25`), and its radix router matches segments literally: it does
 * not resolve dot segments and does not split on `\` or `%2F`. So a path is normalized
 * segment by segment, and anything the two could read differently is refused (400):
 * a `.` or `..` segment, an empty segment inside the path (`//`), a segment that decodes
 * to `/` or `\`, control characters, undecodable escapes. Case is folded (globs match
 * case-insensitively, which only ever protects more) and a trailing slash is dropped.
 */

/** Normalized form of a request path (query removed); undefined when it must be refused. */
export function normalizePath(rawPath: string): string | undefined {
  const cut = rawPath.indexOf('?')
  const path = cut === -1 ? rawPath : rawPath.slice(0, cut)
  if (path === '') return '/'
  if (!path.startsWith('/')) return undefined
  const segments = path.split('/')
  const out: string[] = []
  for (let index = 1; index < segments.length; index++) {
    const raw = segments[index]!
    if (raw === '') {
      if (index === segments.length - 1) break // trailing slash
      return undefined
    }
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    }
    catch {
      return undefined
    }
    if (segment === '.' || segment === '..' || segment.includes('/') || segment.includes('\\')) return undefined
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001F\u007F]/.test(segment)) return undefined
    out.push(segment)
  }
  return `/${out.join('/')}`.toLowerCase()
}

/**
 * Compiles a glob to a RegExp over normalized paths: `*` matches within one segment,
 * `**` matches any number of segments (also none: `/api/**` matches `/api`), `?` one character.
 */
export function compileGlob(glob: string): RegExp {
  const trimmed = glob.trim()
  if (!trimmed.startsWith('/') || trimmed.includes('..')) throw new TypeError(`Invalid route glob "${glob}": it must start with / and contain no dot segments`)
  const segments = trimmed.toLowerCase().split('/').filter(s => s !== '' && s !== '.')
  let source = ''
  for (const [index, segment] of segments.entries()) {
    if (segment === '**') {
      source += index === segments.length - 1 ? '(?:/.*)?' : '(?:/[^/]+)*'
      continue
    }
    source += '/' + segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '[^/]*').replace(/\?/g, '[^/]')
  }
  if (source === '') source = '/'
  return new RegExp(`^${source}$`)
}

export interface RouteMatcher {
  /** True when the normalized path needs a valid access token. */
  isProtected: (normalizedPath: string) => boolean
}

/** Compiles both glob lists once; public globs win over protected ones. */
export function createRouteMatcher(protectedRoutes: string[], publicRoutes: string[]): RouteMatcher {
  const protectedRes = protectedRoutes.map(compileGlob)
  const publicRes = publicRoutes.map(compileGlob)
  return {
    isProtected: path => protectedRes.some(re => re.test(path)) && !publicRes.some(re => re.test(path)),
  }
}

/** True when `path` is `base` or below it, on a segment boundary (never a bare string prefix). */
export function isUnder(path: string, base: string): boolean {
  const b = base.toLowerCase().replace(/\/+$/, '')
  if (b === '') return true
  return path === b || path.startsWith(`${b}/`)
}

/**
 * Route rules that proxy or redirect under a protected glob. Nitro applies them before any
 * server middleware, so route protection never sees those requests.
 */
export function unguardedRouteRules(
  rules: Record<string, { proxy?: unknown, redirect?: unknown } | undefined>,
  protectedRoutes: string[],
): Array<{ pattern: string, glob: string }> {
  const globs = protectedRoutes.map(glob => ({ glob, re: compileGlob(glob) }))
  const found: Array<{ pattern: string, glob: string }> = []
  for (const [pattern, rule] of Object.entries(rules)) {
    if (!rule || (!rule.proxy && !rule.redirect)) continue
    const prefix = pattern.toLowerCase().split(/[*?]/)[0]!.replace(/\/+$/, '') || '/'
    const hit = globs.find(({ re }) => re.test(prefix) || re.test(`${prefix}/x`))
    if (hit) found.push({ pattern, glob: hit.glob })
  }
  return found
}
