/**
 * Path normalization and glob matching for route protection.
 *
 * A path is normalized the way a router would see it, so that encoding, dot segments,
 * repeated slashes, backslashes, case or a trailing slash cannot move a request out of a
 * protected glob: decode once, treat `\` as `/`, resolve `.` and `..`, collapse slashes,
 * drop the trailing slash and compare case-insensitively.
 */

/** Normalized form of a request path (query and fragment removed); undefined when it cannot be decoded. */
export function normalizePath(rawPath: string): string | undefined {
  let path = rawPath
  const cut = path.search(/[?#]/)
  if (cut !== -1) path = path.slice(0, cut)
  try {
    path = decodeURIComponent(path)
  }
  catch {
    return undefined
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F]/.test(path)) return undefined
  const out: string[] = []
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
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
  /** True when the path needs a valid access token. `undefined` for paths that cannot be decoded. */
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
