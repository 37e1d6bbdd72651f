import { describe, expect, it } from 'vitest'
import { cachedProtectedRules, isCachingRule } from '../../src/runtime/server/protection/cache-rules'
import type { CacheRouteRule } from '../../src/runtime/server/protection/cache-rules'
import { rendererRoutes } from '../../src/runtime/server/protection/renderer-routes'

describe('[CLIENT-11] isCachingRule', () => {
  it.each([
    [{ swr: 60 }, true],
    [{ swr: true }, true],
    [{ cache: { maxAge: 60 } }, true],
    [{ cache: { swr: true, maxAge: 60 } }, true],
    [{ isr: 60 }, true],
    [{ isr: true }, true],
    [{ isr: 0 }, true],
  ])('%j caches', (rule, expected) => {
    expect(isCachingRule(rule)).toBe(expected)
  })

  it.each([
    [undefined],
    [{}],
    [{ ssr: false }],
    [{ swr: 0 }],
    [{ swr: false }],
    [{ cache: false }],
    [{ cache: false, swr: 60 }],
    [{ isr: false }],
    [{ headers: { 'cache-control': 'no-store' } }],
  ])('%j does not', (rule) => {
    expect(isCachingRule(rule as never)).toBe(false)
  })
})

describe('[CLIENT-11] cached rules over protected routes are reported at build time', () => {
  const protectedRoutes = ['/members/**', '/api/protected/**', '/admin']

  it('reports site-wide, exact, nested and parameter patterns that meet a protected glob', () => {
    const found = cachedProtectedRules({
      '/**': { swr: 60 },
      '/members/cached': { swr: 60 },
      '/api/protected/:id': { cache: { maxAge: 10 } },
      '/admin': { isr: 60 },
      '/members/**:rest': { swr: true },
      '/members/*/feed': { swr: 1 },
    }, protectedRoutes)
    expect(found).toEqual([
      { pattern: '/**', glob: '/members/**' },
      { pattern: '/members/cached', glob: '/members/**' },
      { pattern: '/api/protected/:id', glob: '/api/protected/**' },
      { pattern: '/admin', glob: '/admin' },
      { pattern: '/members/**:rest', glob: '/members/**' },
      { pattern: '/members/*/feed', glob: '/members/**' },
    ])
  })

  it('stays quiet for rules that do not cache or do not meet a protected glob', () => {
    expect(cachedProtectedRules({
      '/members/**': { ssr: false },
      '/members/x': { cache: false },
      '/blog/**': { swr: 60 },
      '/administrator': { swr: 60 },
      '/api/public/**': { cache: { maxAge: 60 } },
      '/admin/x': { swr: 60 },
    } as Record<string, CacheRouteRule>, protectedRoutes)).toEqual([])
  })
})

describe('[ROUTE-6] rendererRoutes: where Nitro registered the page renderer', () => {
  // Nitro's table holds one lazy import function per handler file.
  const renderer = () => Promise.resolve({ default: 'renderer' })
  const api = () => Promise.resolve({ default: 'api' })

  it('the catch-all plus every cache-rule path it was registered at again, never another handler\'s route', () => {
    const routes = rendererRoutes([
      { route: '', handler: api, middleware: true },
      { route: '/api/data', handler: api },
      { route: '/dashboard', handler: renderer },
      { route: '/blog/**', handler: renderer },
      { route: '/api/cached', handler: api },
      { route: '/**', handler: renderer },
    ])
    expect([...routes].sort()).toEqual(['/**', '/blog/**', '/dashboard'])
  })

  it('a server route at /** before the renderer does not make its handler the renderer', () => {
    const routes = rendererRoutes([
      { route: '/**', handler: api },
      { route: '/dashboard', handler: renderer },
      { route: '/**', handler: renderer },
    ])
    expect([...routes].sort()).toEqual(['/**', '/dashboard'])
  })

  it('without a renderer in the table only /** counts', () => {
    expect([...rendererRoutes([{ route: '/api/x', handler: api }])]).toEqual(['/**'])
  })
})
