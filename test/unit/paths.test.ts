import { describe, expect, it } from 'vitest'
import { compileGlob, compileGlobSet, createRouteMatcher, isUnder, normalizePath, unguardedRouteRules } from '../../src/runtime/server/protection/paths'

const matcher = createRouteMatcher(['/api/protected/**', '/admin/**', '/secret'], ['/api/protected/public/**'])
const isProtected = (raw: string) => {
  const path = normalizePath(raw)
  // The middleware treats an undecodable path as a rejected request; never as "not protected".
  return path === undefined ? 'rejected' : matcher.isProtected(path)
}

describe('[ROUTE-1] normalizePath', () => {
  it('keeps a plain path and removes query and fragment', () => {
    expect(normalizePath('/api/protected/x')).toBe('/api/protected/x')
    expect(normalizePath('/api/protected/x?y=../../z#frag')).toBe('/api/protected/x')
    expect(normalizePath('/')).toBe('/')
    expect(normalizePath('')).toBe('/')
  })

  it('decodes percent-encoding once', () => {
    expect(normalizePath('/api/%70rotected/x')).toBe('/api/protected/x')
    // Decoded once only: a double-encoded path stays encoded (the router decodes once too).
    expect(normalizePath('/api/%2570rotected/x')).toBe('/api/%70rotected/x')
  })

  it('lower-cases', () => {
    expect(normalizePath('/API/Protected/X')).toBe('/api/protected/x')
  })

  // The router matches segments literally: whatever it could read differently from us is refused.
  it('refuses dot segments, also encoded ones (the router does not resolve them)', () => {
    expect(normalizePath('/public/../api/protected/x')).toBeUndefined()
    expect(normalizePath('/api/./protected/x')).toBeUndefined()
    expect(normalizePath('/public/%2e%2e/api/protected/x')).toBeUndefined()
    expect(normalizePath('/../../api/protected')).toBeUndefined()
    expect(normalizePath('/api/protected/..')).toBeUndefined()
  })

  it('refuses empty segments, backslashes and encoded slashes inside a segment', () => {
    expect(normalizePath('//api//protected')).toBeUndefined()
    expect(normalizePath('/api//protected')).toBeUndefined()
    expect(normalizePath('/api\\protected\\x')).toBeUndefined()
    expect(normalizePath('/api%5cprotected')).toBeUndefined()
    expect(normalizePath('/api%2fprotected')).toBeUndefined()
    expect(normalizePath('/api/users/7%2Fx')).toBeUndefined()
    expect(normalizePath('/api/protected/x%2F..%2F..%2Fpublic')).toBeUndefined()
  })

  it('keeps the segments the router sees: one decoded segment per path segment', () => {
    expect(normalizePath('/api/users/a%20b')).toBe('/api/users/a b')
    expect(normalizePath('/api/users/100%25')).toBe('/api/users/100%')
  })

  it('drops the trailing slash', () => {
    expect(normalizePath('/api/protected/')).toBe('/api/protected')
    expect(normalizePath('/secret/')).toBe('/secret')
  })

  it('returns undefined for undecodable input', () => {
    expect(normalizePath('/api/%zz/x')).toBeUndefined()
    expect(normalizePath('/api/%E0%A4%A')).toBeUndefined()
    expect(normalizePath('/%')).toBeUndefined()
  })

  it('returns undefined for control characters, raw or encoded', () => {
    expect(normalizePath('/api/protected/\u0000')).toBeUndefined()
    expect(normalizePath('/api/protected%00/x')).toBeUndefined()
    expect(normalizePath('/api/%0d%0aprotected')).toBeUndefined()
    expect(normalizePath('/api/prot\tected')).toBeUndefined()
    expect(normalizePath('/api/%7f')).toBeUndefined()
  })
})

describe('[ROUTE-1] protected globs cannot be bypassed', () => {
  it.each([
    '/api/protected/x',
    '/api/%70rotected/x',
    '/API/Protected/x',
    '/api/protected/',
    '/api/protected',
    '/Secret/',
    '/secret?x=1',
  ])('%s is protected', (raw) => {
    expect(isProtected(raw)).toBe(true)
  })

  it.each([
    '/api/%zz/protected',
    '/api/protected/%00',
    '/public/../api/protected/x',
    '/api/./protected/x',
    '//api//protected',
    '//api//protected//x',
    '/api\\protected\\x',
    '/admin/%2e%2e/admin/users',
    '/api/protected/%2e%2e',
    '/admin/files/x/..%2F..%2F..%2F..%2Fauth',
  ])('%s is rejected, never let through as unprotected', (raw) => {
    expect(isProtected(raw)).toBe('rejected')
  })

  it.each(['/', '/api', '/api/protectedx', '/api/other', '/secretx', '/secret/x', '/administrator'])('%s is not protected', (raw) => {
    expect(isProtected(raw)).toBe(false)
  })

  it('public wins over protected', () => {
    expect(isProtected('/api/protected/public/x')).toBe(false)
    expect(isProtected('/api/protected/public')).toBe(false)
    expect(isProtected('/API/protected/PUBLIC/deep/x')).toBe(false)
    expect(isProtected('/api/protected/publicx')).toBe(true)
  })

  it('a dot segment cannot climb from a public glob into a protected one', () => {
    expect(isProtected('/api/protected/public/../x')).toBe('rejected')
    expect(isProtected('/api/protected/public/%2e%2e/x')).toBe('rejected')
  })
})

describe('[ROUTE-1] compileGlob', () => {
  it('* matches within one segment only', () => {
    const re = compileGlob('/api/*/x')
    expect(re.test('/api/a/x')).toBe(true)
    expect(re.test('/api//x')).toBe(true)
    expect(re.test('/api/a/b/x')).toBe(false)
    expect(compileGlob('/api/*').test('/api/a')).toBe(true)
    expect(compileGlob('/api/*').test('/api/a/b')).toBe(false)
    expect(compileGlob('/files/*.pdf').test('/files/report.pdf')).toBe(true)
    expect(compileGlob('/files/*.pdf').test('/files/reportxpdf')).toBe(false)
  })

  it('** matches any depth and the base itself', () => {
    const re = compileGlob('/api/**')
    expect(re.test('/api')).toBe(true)
    expect(re.test('/api/a')).toBe(true)
    expect(re.test('/api/a/b/c')).toBe(true)
    expect(re.test('/apix')).toBe(false)
    expect(re.test('/')).toBe(false)
  })

  it('** in the middle matches zero or more whole segments', () => {
    const re = compileGlob('/api/**/admin')
    expect(re.test('/api/admin')).toBe(true)
    expect(re.test('/api/a/b/admin')).toBe(true)
    expect(re.test('/api/xadmin')).toBe(false)
    expect(re.test('/api/a/admin/x')).toBe(false)
  })

  it('? matches exactly one character, never a slash', () => {
    const re = compileGlob('/v?/x')
    expect(re.test('/v1/x')).toBe(true)
    expect(re.test('/v12/x')).toBe(false)
    expect(re.test('/v/x')).toBe(false)
    expect(compileGlob('/a?b').test('/a/b')).toBe(false)
  })

  it('treats regex metacharacters literally', () => {
    expect(compileGlob('/a.b').test('/axb')).toBe(false)
    expect(compileGlob('/a.b').test('/a.b')).toBe(true)
    expect(compileGlob('/(x|y)').test('/x')).toBe(false)
    expect(compileGlob('/a+').test('/aa')).toBe(false)
  })

  it('is case-insensitive through lower-casing and tolerates a trailing slash in the glob', () => {
    expect(compileGlob('/API/Users/').test('/api/users')).toBe(true)
    expect(compileGlob('/').test('/')).toBe(true)
    expect(compileGlob('/**').test('/anything/at/all')).toBe(true)
  })

  it('rejects globs that do not start with / or contain ..', () => {
    expect(() => compileGlob('api/**')).toThrow(TypeError)
    expect(() => compileGlob('/api/../admin')).toThrow(/Invalid route glob/)
    expect(() => compileGlob('')).toThrow(TypeError)
  })
})

describe('[ROUTE-3] isUnder works on segment boundaries', () => {
  it('matches the base and paths below it', () => {
    expect(isUnder('/auth', '/auth')).toBe(true)
    expect(isUnder('/auth/token', '/auth')).toBe(true)
    expect(isUnder('/auth/mock/authorize', '/auth/')).toBe(true)
    expect(isUnder('/auth/token', '/AUTH')).toBe(true)
  })

  it('never matches a bare string prefix', () => {
    expect(isUnder('/authx', '/auth')).toBe(false)
    expect(isUnder('/auth-admin/x', '/auth')).toBe(false)
    expect(isUnder('/api/auth', '/auth')).toBe(false)
    expect(isUnder('/', '/auth')).toBe(false)
  })

  it('an empty or root base covers everything', () => {
    expect(isUnder('/x', '/')).toBe(true)
    expect(isUnder('/x', '')).toBe(true)
  })
})

describe('[ROUTE-1] route rules that bypass protection are reported', () => {
  it('a proxy or redirect under a protected glob is reported; other rules are not', () => {
    const found = unguardedRouteRules({
      '/api/backend/**': { proxy: 'https://backend.internal/**' },
      '/old/**': { redirect: '/new/**' },
      '/api/public/**': { proxy: 'https://public.example/**' },
      '/api/cached/**': {},
      '/members': { redirect: '/login' },
    }, ['/api/backend/**', '/members/**'])
    expect(found).toEqual([
      { pattern: '/api/backend/**', glob: '/api/backend/**' },
      { pattern: '/members', glob: '/members/**' },
    ])
  })

  it('a proxy over a wider pattern that contains a protected glob is reported', () => {
    expect(unguardedRouteRules({ '/api/**': { proxy: 'https://x.example/**' } }, ['/api/**'])).toHaveLength(1)
    expect(unguardedRouteRules({ '/api/**': { proxy: 'https://x.example/**' } }, ['/admin/**'])).toHaveLength(0)
  })
})

describe('[ROUTE-1] compileGlobSet (the matcher\'s trie) accepts exactly what compileGlob accepts', () => {
  // A small deterministic PRNG: the same cases on every run.
  function random(seed: number) {
    return () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
  }
  const pick = <T>(next: () => number, list: T[]): T => list[Math.floor(next() * list.length)]!
  const globSegments = ['api', 'v1', 'admin', 'a.b', '*', '**', '?', 'a*', '*b', 'v?', 'x*y', 'file.json', 'a+b']
  const pathSegments = ['api', 'v1', 'v2', 'admin', 'a.b', 'axb', 'ab', 'b', 'a', 'x', 'xy', 'xzzy', 'file.json', 'a+b', 'aab', 'v']

  it('on 3000 random globs and paths, alone and as sets', () => {
    const next = random(42)
    const makeGlob = () => `/${Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(next, globSegments)).join('/')}`
    const makePath = () => next() < 0.05 ? '/' : `/${Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(next, pathSegments)).join('/')}`
    for (let i = 0; i < 3000; i++) {
      const globs = Array.from({ length: 1 + Math.floor(next() * 5) }, makeGlob)
      const set = compileGlobSet(globs)
      for (let j = 0; j < 5; j++) {
        const path = makePath()
        const expected = globs.some(glob => compileGlob(glob).test(path))
        expect({ globs, path, matched: set(path) }).toEqual({ globs, path, matched: expected })
      }
    }
  })

  it('handles the root path, `/`, `/*`, `/**` and a trailing `**` that also matches its parent', () => {
    expect(compileGlobSet(['/'])('/')).toBe(true)
    expect(compileGlobSet(['/'])('/a')).toBe(false)
    expect(compileGlobSet(['/*'])('/')).toBe(true)
    expect(compileGlobSet(['/**'])('/')).toBe(true)
    expect(compileGlobSet(['/**'])('/a/b/c')).toBe(true)
    expect(compileGlobSet(['/api/**'])('/api')).toBe(true)
    expect(compileGlobSet(['/api/**'])('/apix')).toBe(false)
    expect(compileGlobSet(['/api/**/edit'])('/api/edit')).toBe(true)
    expect(compileGlobSet(['/api/**/edit'])('/api/a/b/edit')).toBe(true)
    expect(compileGlobSet(['/api/**/edit'])('/api/a/b/view')).toBe(false)
    expect(compileGlobSet([])('/')).toBe(false)
    expect(compileGlobSet(['/api/**'])('api/x')).toBe(false)
  })

  it('refuses the globs compileGlob refuses, with its message', () => {
    expect(() => compileGlobSet(['/ok/**', 'no-slash'])).toThrow(/Invalid route glob "no-slash"/)
    expect(() => compileGlobSet(['/a/../b'])).toThrow(/Invalid route glob/)
  })
})

describe('[ROUTE-1] normalizePath: the plain-path shortcut gives what the full decoder gives', () => {
  // Percent-encoding the first character of every segment forces the full decoder without changing the path's meaning.
  const viaDecoder = (path: string) => normalizePath(path.replace(/\/([^/])/g, (_, c: string) => `/%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`))

  it.each([
    '/api/hello', '/API/Hello/', '/a.b/c-d/e_f/g~h', '/.well-known/x', '/...', '/a/.../b', '/a/.b', '/a/..b',
    '/a/./b', '/a/../b', '/.', '/..', '/a/.', '/a/..', '/a//b', '//a', '/a/', '/a/b//', '/x/y?q=/../z',
  ])('%s', (path) => {
    expect(normalizePath(path)).toBe(viaDecoder(path))
  })

  it('refuses dot segments and empty segments whichever way they come', () => {
    for (const path of ['/a/./b', '/a/../b', '/..', '/a//b', '//a']) expect(normalizePath(path)).toBeUndefined()
    expect(normalizePath('/A/B/')).toBe('/a/b')
    expect(normalizePath('/.well-known/X')).toBe('/.well-known/x')
  })
})
