import { describe, expect, it } from 'vitest'
import { mayBeProtected } from '../../src/runtime/app/may-be-protected'
import { isProtectedPath } from '../../src/runtime/app/lazy/guard'

describe('[PERF-1] the page guard loads the globs\' matcher only where a glob may match', () => {
  it('skips the matcher for paths whose plain first segment no protected glob starts with', () => {
    expect(mayBeProtected('/', [])).toBe(false)
    expect(mayBeProtected('/anything/at/all', [])).toBe(false)
    expect(mayBeProtected('/', ['/api/**'])).toBe(false)
    expect(mayBeProtected('/?q=1', ['/api/**'])).toBe(false)
    expect(mayBeProtected('/about', ['/api/**', '/admin/**'])).toBe(false)
    expect(mayBeProtected('/apix/1', ['/api/**'])).toBe(false)
    expect(mayBeProtected('/.well-known/x/', ['/api/**'])).toBe(false)
  })

  it('asks the matcher for anything it cannot rule out (never fails open)', () => {
    expect(mayBeProtected('/api', ['/api/**'])).toBe(true)
    expect(mayBeProtected('/API/users', ['/api/**'])).toBe(true)
    expect(mayBeProtected('/Admin', ['/ADMIN/**'])).toBe(true)
    // Escapes, empty, dot and backslash segments: the normalizer decides (it refuses some: protected).
    for (const path of ['/%61pi', '//api', '/./api', '/../api', '/admin//x', '/a%2fb', '/\\api', '/ api', '/api\t']) {
      expect(mayBeProtected(path, ['/api/**']), path).toBe(true)
    }
    // A glob that starts with a wildcard, or the root glob, may match any path.
    expect(mayBeProtected('/about', ['/**'])).toBe(true)
    expect(mayBeProtected('/about', ['/*/secret'])).toBe(true)
    expect(mayBeProtected('/about', ['/a?out'])).toBe(true)
    expect(mayBeProtected('/about', ['/'])).toBe(true)
    expect(mayBeProtected('/about', [' /about/** '])).toBe(true)
  })

  it('is never false where the matcher protects the path', () => {
    const globs = [['/api/**'], ['/admin/**', '/account'], ['/**'], ['/a*/x'], ['/dash/**', '/?'], ['/Docs/*/edit']]
    const segments = ['', 'api', 'API', 'admin', 'account', 'a', 'ab', 'x', 'dash', 'docs', 'Docs', 'edit', '%61pi', '.', '..', 'a.b', '~u', '-', '_', 'x%2fy', ' ']
    const paths = new Set<string>()
    for (const first of segments) {
      for (const second of segments) paths.add(`/${first}/${second}`).add(`/${first}`).add(`/${first}/${second}/`).add(`/${first}?q`)
    }
    let checked = 0
    for (const protectedRoutes of globs) {
      for (const path of paths) {
        if (isProtectedPath(path, { protectedRoutes, publicRoutes: [] })) {
          checked++
          expect(mayBeProtected(path, protectedRoutes), `${path} ${protectedRoutes.join(',')}`).toBe(true)
        }
      }
    }
    expect(checked).toBeGreaterThan(100)
  })
})
