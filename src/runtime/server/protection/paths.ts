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

/**
 * Segments of only unreserved characters, none of them `.` or `..`, no empty one: such a path
 * is already normal but for case and a trailing slash (the common case, decided in one test).
 */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)+\/?$/

/** Normalized form of a request path (query removed); undefined when it must be refused. */
export function normalizePath(rawPath: string): string | undefined {
  const cut = rawPath.indexOf('?')
  const path = cut === -1 ? rawPath : rawPath.slice(0, cut)
  if (path === '' || path === '/') return '/'
  if (PLAIN_PATH.test(path)) return (path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase()
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
  const isProtected = compileGlobSet(protectedRoutes)
  const isPublic = compileGlobSet(publicRoutes)
  return {
    isProtected: path => isProtected(path) && !isPublic(path),
  }
}

/** One node of a glob trie: what may follow after the segments that led here. */
interface GlobNode {
  literal: Map<string, GlobNode>
  /** Segments with `*` or `?` (few in practice), tested in turn. */
  wildcard: Array<{ source: string, re: RegExp, node: GlobNode }>
  /** The state after a `**` segment; it consumes any number of further segments. */
  globstar?: GlobNode
  isGlobstar: boolean
  /** A glob ends here. */
  end: boolean
}

const globNode = (isGlobstar = false): GlobNode => ({ literal: new Map(), wildcard: [], isGlobstar, end: false })

/**
 * Compiles a list of globs into one segment trie, matched in one pass over the path's
 * segments: the cost depends on the path, not on the number of globs (literal segments are
 * a Map lookup). Same language as `compileGlob` on normalized paths.
 */
export function compileGlobSet(globs: string[]): (normalizedPath: string) => boolean {
  const root = globNode()
  for (const glob of globs) {
    compileGlob(glob) // validates, with the same error
    const segments = glob.trim().toLowerCase().split('/').filter(s => s !== '' && s !== '.')
    let node = root
    // `/` itself is the path with one empty segment.
    for (const segment of segments.length ? segments : ['']) {
      if (segment === '**') {
        node = node.globstar ??= globNode(true)
      }
      else if (/[*?]/.test(segment)) {
        let next = node.wildcard.find(w => w.source === segment)
        if (!next) {
          const re = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '[^/]*').replace(/\?/g, '[^/]')}$`)
          next = { source: segment, re, node: globNode() }
          node.wildcard.push(next)
        }
        node = next.node
      }
      else {
        let next = node.literal.get(segment)
        if (!next) node.literal.set(segment, next = globNode())
        node = next
      }
    }
    node.end = true
  }
  const enter = (states: GlobNode[], node: GlobNode) => {
    if (!states.includes(node)) states.push(node)
    if (node.globstar) enter(states, node.globstar)
  }
  return (path) => {
    if (!path.startsWith('/')) return false
    let states: GlobNode[] = []
    enter(states, root)
    let start = 1
    while (states.length) {
      const slash = path.indexOf('/', start)
      const segment = slash === -1 ? path.slice(start) : path.slice(start, slash)
      const next: GlobNode[] = []
      for (const node of states) {
        if (node.isGlobstar) enter(next, node)
        const literal = node.literal.get(segment)
        if (literal) enter(next, literal)
        for (const wildcard of node.wildcard) {
          if (wildcard.re.test(segment)) enter(next, wildcard.node)
        }
      }
      states = next
      if (slash === -1) break
      start = slash + 1
    }
    return states.some(node => node.end)
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
