import { describe, expect, it } from 'vitest'
import { explainRoute, providerInfo, redactSecrets } from '../../src/runtime/server/devtools/inspect'
import { authEventsSince, recordAuthEvent } from '../../src/runtime/server/devtools/events'
import { createRouteMatcher } from '../../src/runtime/server/protection/paths'

const SECRET = 'Strong-S3cret-Value-ZQX-32bytes!'

describe('DevTools: options without secrets (DX-7)', () => {
  it('redacts every secret-named field at any depth, keeps the rest', () => {
    const options = {
      token: { secret: SECRET, privateKey: '-----BEGIN PRIVATE KEY-----x', previousPublicKeys: ['-----BEGIN PUBLIC KEY-----y'], expiresIn: '15m' },
      encryption: { enabled: true, key: SECRET, previousKeys: [SECRET] },
      providers: { github: { clientId: 'public-id', clientSecret: SECRET }, password: { pepper: SECRET } },
      storage: { url: `redis://default:${SECRET}@127.0.0.1:6379/0` },
      empty: { secret: '' },
    }
    const redacted = redactSecrets(options) as typeof options
    expect(JSON.stringify(redacted)).not.toContain(SECRET)
    expect(JSON.stringify(redacted)).not.toContain('PRIVATE KEY')
    expect(redacted.token).toEqual({ secret: '[redacted]', privateKey: '[redacted]', previousPublicKeys: ['-----BEGIN PUBLIC KEY-----y'], expiresIn: '15m' })
    expect(redacted.providers.github.clientId).toBe('public-id')
    expect(redacted.storage.url).toBe('redis://[redacted]@127.0.0.1:6379/0')
    // An unset secret shows as unset (not as a redacted value that would hide the mistake).
    expect(redacted.empty.secret).toBe('')
  })
})

describe('DevTools: route-protection tester (DX-7)', () => {
  const routes = { protectedRoutes: ['/dashboard/**', '/api/private/**'], publicRoutes: ['/api/private/open'], authPath: '/auth' }

  it('names the glob that decided; public wins', () => {
    expect(explainRoute('/Dashboard/settings/', routes)).toEqual({ path: '/Dashboard/settings/', normalized: '/dashboard/settings', refused: false, protected: true, decidedBy: { list: 'protectedRoutes', glob: '/dashboard/**' } })
    expect(explainRoute('/api/private/open', routes)).toMatchObject({ protected: false, decidedBy: { list: 'publicRoutes', glob: '/api/private/open' } })
    expect(explainRoute('/about', routes)).toMatchObject({ protected: false, decidedBy: { list: 'none' } })
    expect(explainRoute('/auth/mock', { ...routes, protectedRoutes: ['/**'] })).toMatchObject({ protected: false, decidedBy: { list: 'authPath' } })
  })

  it('shows the normalized form, and refuses what the middleware refuses', () => {
    expect(explainRoute('/api/%70rivate/x', routes)).toMatchObject({ normalized: '/api/private/x', protected: true })
    expect(explainRoute('/api/private/../open', routes)).toMatchObject({ refused: true, protected: false })
    expect(explainRoute('/api//private/x', routes)).toMatchObject({ refused: true })
  })

  it('agrees with the route matcher the middleware uses', () => {
    const matcher = createRouteMatcher(routes.protectedRoutes, routes.publicRoutes)
    for (const path of ['/dashboard', '/dashboard/a/b', '/DASHBOARD', '/api/private', '/api/private/open', '/api/private/openx', '/dash', '/']) {
      expect(explainRoute(path, routes).protected, path).toBe(matcher.isProtected(path.toLowerCase()))
    }
  })
})

describe('DevTools: providers and events (DX-7)', () => {
  it('gives the exact redirect URI: siteUrl when set, else the dev request origin', () => {
    expect(providerInfo(['github', 'mock'], '/auth', '', 'http://localhost:3000')).toEqual([
      { name: 'github', redirectUri: 'http://localhost:3000/auth/github', origin: 'request' },
      { name: 'mock', redirectUri: 'http://localhost:3000/auth/mock', origin: 'request', note: 'built-in mock: nothing to register' },
    ])
    expect(providerInfo(['google'], '/login', 'https://app.example', 'http://localhost:3000')[0]!.redirectUri).toBe('https://app.example/login/google')
  })

  it('keeps the last events, user ids and fingerprints only, and answers since an id', () => {
    const first = recordAuthEvent('login', { sub: 'alice', provider: 'mock', name: 'Alice', email: 'a@example.com' }, { provider: 'mock' })
    recordAuthEvent('refresh', { sub: 'alice', provider: 'mock' }, { session: 'fp1' })
    expect(authEventsSince(first.id).map(event => event.type)).toEqual(['refresh'])
    expect(first).toEqual({ id: first.id, type: 'login', at: first.at, sub: 'alice', name: 'Alice', provider: 'mock' })
    for (let i = 0; i < 150; i++) recordAuthEvent('refresh', { sub: 'bob', provider: 'mock' })
    expect(authEventsSince(0)).toHaveLength(100)
  })
})
