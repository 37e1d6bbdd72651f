import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isTruthy, parseDuration, validateConfig } from '../../src/runtime/server/context/config'
import type { AegisRuntimeConfig } from '../../src/runtime/server/context/config'

/** Distinctive values: no message may ever contain them. */
const WEAK_SECRET = 'Weak-S3cret-Value-ZQX-31-bytes!' // 31 bytes
const OK_SECRET = 'Strong-S3cret-Value-ZQX-32bytes!' // 32 bytes
const SHORT_KEY = 'Short-Encryption-Key-ZQX'
const CLIENT_SECRET = 'Client-Secret-Value-ZQX-987'

/** A complete, valid runtime config; each test breaks one thing. */
function validConfig(): AegisRuntimeConfig {
  return {
    token: { secret: OK_SECRET, expiresIn: '15m', algorithm: 'HS256', privateKey: '', issuer: 'https://app.example', audience: '' },
    encryption: { enabled: false, key: '', algorithm: 'aes-256-gcm' },
    tokenRefresh: {
      enabled: true,
      rotation: true,
      reuseInterval: 0,
      absoluteTimeout: '30d',
      prefix: 'refresh:',
      cookie: { cookieName: 'nuxt-aegis-refresh', maxAge: 604800, secure: true, sameSite: 'lax', httpOnly: true, path: '/auth', domain: '' },
    },
    authCode: { expiresIn: 60, shared: false },
    redirect: { login: '/login', logout: '/', success: '/', error: '/auth/error' },
    routeProtection: { protectedRoutes: ['/api/protected/**'], publicRoutes: ['/api/protected/public/**'] },
    endpoints: { authPath: '/auth', userInfoPath: '/api/user/me' },
    siteUrl: 'https://app.example',
    providers: {
      mock: { clientId: 'nuxt-aegis-mock', clientSecret: CLIENT_SECRET, enabled: true },
      github: { clientId: 'gh-client', clientSecret: CLIENT_SECRET },
    },
  }
}

function problemsOf(mutate: (config: AegisRuntimeConfig) => void): string[] {
  const config = validConfig()
  mutate(config)
  const problems = validateConfig(config)
  for (const problem of problems) {
    for (const secret of [WEAK_SECRET, OK_SECRET, SHORT_KEY, CLIENT_SECRET]) expect(problem).not.toContain(secret)
  }
  return problems
}

describe('[CFG-4] validateConfig', () => {
  it('accepts a complete valid config', () => {
    expect(validateConfig(validConfig())).toEqual([])
  })

  it('accepts an empty siteUrl (the request origin is used) and a disabled mock without client id', () => {
    expect(problemsOf((c) => {
      c.siteUrl = ''
      c.providers.mock = { enabled: false }
    })).toEqual([])
  })

  it('missing secret: names the option and NUXT_AEGIS_TOKEN_SECRET', () => {
    const problems = problemsOf((c) => {
      c.token.secret = ''
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('nuxtAegis.token.secret')
    expect(problems[0]).toContain('NUXT_AEGIS_TOKEN_SECRET')
    expect(problems[0]).toMatch(/missing/)
  })

  it('weak secret (31 bytes) is refused, without the value in the message', () => {
    expect(Buffer.byteLength(WEAK_SECRET)).toBe(31)
    const problems = problemsOf((c) => {
      c.token.secret = WEAK_SECRET
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('nuxtAegis.token.secret')
    expect(problems[0]).toContain('NUXT_AEGIS_TOKEN_SECRET')
    expect(problems[0]).toMatch(/32 bytes/)
    expect(problems[0]).not.toContain(WEAK_SECRET.slice(0, 8))
  })

  it('a 32-byte secret is accepted; length is counted in bytes, not characters', () => {
    expect(Buffer.byteLength(OK_SECRET)).toBe(32)
    expect(problemsOf((c) => {
      c.token.secret = OK_SECRET
    })).toEqual([])
    // 16 characters, 32 bytes.
    expect(problemsOf((c) => {
      c.token.secret = 'é'.repeat(16)
    })).toEqual([])
    // 31 characters of one byte plus nothing: too weak even though it "looks" long.
    expect(problemsOf((c) => {
      c.token.secret = 'x'.repeat(31)
    })).toHaveLength(1)
  })

  it('encryption enabled without a key names NUXT_AEGIS_ENCRYPTION_KEY', () => {
    const problems = problemsOf((c) => {
      c.encryption.enabled = true
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('encryption')
    expect(problems[0]).toContain('NUXT_AEGIS_ENCRYPTION_KEY')
  })

  it('encryption key shorter than 32 bytes is refused without its value', () => {
    const problems = problemsOf((c) => {
      c.encryption = { enabled: true, key: SHORT_KEY, algorithm: 'aes-256-gcm' }
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('NUXT_AEGIS_ENCRYPTION_KEY')
    expect(problemsOf((c) => {
      c.encryption = { enabled: true, key: 'k'.repeat(32), algorithm: 'aes-256-gcm' }
    })).toEqual([])
  })

  it('a provider without clientId names NUXT_AEGIS_PROVIDERS_<NAME>_CLIENT_ID', () => {
    const problems = problemsOf((c) => {
      c.providers.github = { clientSecret: CLIENT_SECRET }
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('nuxtAegis.providers.github.clientId')
    expect(problems[0]).toContain('NUXT_AEGIS_PROVIDERS_GITHUB_CLIENT_ID')
    const mock = problemsOf((c) => {
      c.providers.mock = { enabled: true, clientId: '' }
    })
    expect(mock).toEqual([expect.stringContaining('NUXT_AEGIS_PROVIDERS_MOCK_CLIENT_ID')])
  })

  it.each(['https://evil.example/', '//evil.example', 'login', ''])('a redirect path %j is refused with the option named', (path) => {
    const problems = problemsOf((c) => {
      c.redirect.login = path
    })
    expect(problems).toEqual([expect.stringContaining('nuxtAegis.redirect.login')])
  })

  it.each(['/auth//x', 'auth', '/auth?x=1', '/auth/../x', 'https://x/auth'])('an endpoint path %j is refused', (path) => {
    const problems = problemsOf((c) => {
      c.endpoints.authPath = path
    })
    expect(problems).toEqual([expect.stringContaining('nuxtAegis.endpoints.authPath')])
  })

  it.each([
    ['protectedRoutes', 'api/**'],
    ['protectedRoutes', '/api/../admin'],
    ['publicRoutes', 'public'],
  ] as const)('a bad glob in %s (%j) is refused', (list, glob) => {
    const problems = problemsOf((c) => {
      c.routeProtection[list] = [...c.routeProtection[list], glob]
    })
    expect(problems).toEqual([expect.stringContaining(`nuxtAegis.routeProtection.${list}`)])
  })

  it.each(['soon', '0', '-5m', '1.5h', '15 minutes', 0, -1, 1.5, Number.NaN])('a bad token.expiresIn %j names NUXT_AEGIS_TOKEN_EXPIRES_IN', (value) => {
    const problems = problemsOf((c) => {
      c.token.expiresIn = value
    })
    expect(problems).toEqual([expect.stringContaining('NUXT_AEGIS_TOKEN_EXPIRES_IN')])
    expect(problems[0]).toContain('nuxtAegis.token.expiresIn')
  })

  it('an unsupported algorithm is refused', () => {
    expect(problemsOf((c) => {
      c.token.algorithm = 'none'
    })).toEqual([expect.stringContaining('nuxtAegis.token.algorithm')])
  })

  it('[JWT-5] asymmetric algorithms need a fitting private key, and then no HMAC secret', () => {
    const ec = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
    expect(problemsOf((c) => {
      c.token = { ...c.token, algorithm: 'ES256', privateKey: ec, secret: '' }
    })).toEqual([])
    expect(problemsOf((c) => {
      c.token = { ...c.token, algorithm: 'ES256', privateKey: '', secret: '' }
    })).toEqual([expect.stringContaining('NUXT_AEGIS_TOKEN_PRIVATE_KEY) is missing')])
    const problems = problemsOf((c) => {
      c.token = { ...c.token, algorithm: 'RS256', privateKey: ec }
    })
    expect(problems).toEqual([expect.stringContaining('is a key for ES256, not RS256')])
    expect(problems[0]).not.toContain(ec.split('\n')[1]!.slice(0, 16))
    expect(problemsOf((c) => {
      c.token = { ...c.token, algorithm: 'ES256', privateKey: ec, previousPublicKeys: '["not a key"]' }
    })).toEqual([expect.stringContaining('previousPublicKeys: a key is not a PEM public key')])
    expect(problemsOf((c) => {
      c.token = { ...c.token, algorithm: 'ES256', privateKey: ec, previousPublicKeys: 'not json' }
    })).toEqual([expect.stringContaining('NUXT_AEGIS_TOKEN_PREVIOUS_PUBLIC_KEYS')])
  })

  it('[SES-5] encryption previous keys and the absolute timeout are checked', () => {
    expect(problemsOf((c) => {
      c.encryption = { enabled: true, key: 'k'.repeat(32), algorithm: 'aes-256-gcm', previousKeys: '["short"]' }
    })).toEqual([expect.stringContaining('previousKeys: every key must be at least 32 bytes')])
    expect(problemsOf((c) => {
      c.encryption = { enabled: true, key: 'k'.repeat(32), algorithm: 'aes-256-gcm', previousKeys: `["${'p'.repeat(32)}"]` }
    })).toEqual([])
    expect(problemsOf((c) => {
      c.tokenRefresh.absoluteTimeout = 'forever'
    })).toEqual([expect.stringContaining('absoluteTimeout')])
    expect(problemsOf((c) => {
      c.tokenRefresh.reuseInterval = 3600
    })).toEqual([expect.stringContaining('reuseInterval')])
  })

  it('cookie problems: maxAge, name, SameSite=None without Secure', () => {
    expect(problemsOf((c) => {
      c.tokenRefresh.cookie.maxAge = 0
    })).toEqual([expect.stringContaining('cookie.maxAge')])
    expect(problemsOf((c) => {
      c.tokenRefresh.cookie.cookieName = 'bad name;'
    })).toEqual([expect.stringContaining('cookieName')])
    expect(problemsOf((c) => {
      c.tokenRefresh.cookie.sameSite = 'none'
      c.tokenRefresh.cookie.secure = false
    })).toEqual([expect.stringContaining('sameSite')])
  })

  it.each([0, 601, -1])('authCode.expiresIn %j outside 1..600 is refused', (value) => {
    expect(problemsOf((c) => {
      c.authCode.expiresIn = value
    })).toEqual([expect.stringContaining('nuxtAegis.authCode.expiresIn')])
  })

  it.each(['not a url', 'ftp://app.example', 'javascript:alert(1)'])('siteUrl %j is refused naming NUXT_PUBLIC_SITE_URL', (value) => {
    expect(problemsOf((c) => {
      c.siteUrl = value
    })).toEqual([expect.stringContaining('NUXT_PUBLIC_SITE_URL')])
  })

  it('mock defaultUser must be a persona', () => {
    expect(problemsOf((c) => {
      c.providers.mock!.defaultUser = 'mallory'
    })).toEqual([expect.stringContaining('defaultUser')])
    expect(problemsOf((c) => {
      c.providers.mock!.defaultUser = 'alice'
    })).toEqual([])
    expect(problemsOf((c) => {
      c.providers.mock!.defaultUser = 'toString'
    })).toHaveLength(1)
  })

  it('reports every problem at once', () => {
    const problems = problemsOf((c) => {
      c.token.secret = WEAK_SECRET
      c.token.expiresIn = 'never'
      c.encryption.enabled = true
      c.providers.github = {}
    })
    // secret, expiresIn, encryption key, github clientId and clientSecret
    expect(problems).toHaveLength(5)
  })
})

describe('[CFG-4] parseDuration', () => {
  it.each([
    [30, 30],
    ['30', 30],
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
    ['15M', 900],
    [' 1h ', 3600],
    ['15 m', 900],
  ] as const)('%j → %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds)
  })

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '', '0', '0s', '-1m', '1.5h', '1w', 'h', '1hh', 'abc', '1 h 2'])('%j is invalid', (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })
})

describe('isTruthy', () => {
  it('accepts true, "true" and "1" only', () => {
    expect([true, 'true', '1'].map(isTruthy)).toEqual([true, true, true])
    expect([false, 'false', '0', '', 'yes', 1, undefined, null].map(isTruthy)).toEqual(Array.from({ length: 8 }, () => false))
  })
})

describe('[OIDC-3] provider settings besides the client id', () => {
  it('a real provider without clientSecret names NUXT_AEGIS_PROVIDERS_<NAME>_CLIENT_SECRET', () => {
    const problems = problemsOf((c) => {
      c.providers.github = { clientId: 'gh-client', clientSecret: '' }
    })
    expect(problems).toEqual([expect.stringContaining('NUXT_AEGIS_PROVIDERS_GITHUB_CLIENT_SECRET')])
  })

  it.each([
    ['missing', '', 'NUXT_AEGIS_PROVIDERS_OIDC_ISSUER'],
    ['not a URL', 'idp.example', 'NUXT_AEGIS_PROVIDERS_OIDC_ISSUER'],
    ['http off loopback', 'http://idp.example.com', 'https'],
    ['http on a private address', 'http://10.0.0.5:8080', 'https'],
  ])('oidc issuer %s is refused', (_label, issuer, expected) => {
    const problems = problemsOf((c) => {
      c.providers.oidc = { clientId: 'c', clientSecret: CLIENT_SECRET, issuer }
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(expected)
  })

  it.each(['https://idp.example.com/realms/app', 'http://127.0.0.1:4000', 'http://localhost:4000/oidc', 'http://[::1]:4000'])('oidc issuer %s is accepted', (issuer) => {
    expect(problemsOf((c) => {
      c.providers.oidc = { clientId: 'c', clientSecret: CLIENT_SECRET, issuer }
    })).toEqual([])
  })

  it('auth0 needs a domain; microsoft a sane tenant', () => {
    expect(problemsOf((c) => {
      c.providers.auth0 = { clientId: 'c', clientSecret: CLIENT_SECRET, domain: '' }
    })).toEqual([expect.stringContaining('NUXT_AEGIS_PROVIDERS_AUTH0_DOMAIN')])
    expect(problemsOf((c) => {
      c.providers.auth0 = { clientId: 'c', clientSecret: CLIENT_SECRET, domain: 'my-app.eu.auth0.com' }
    })).toEqual([])
    expect(problemsOf((c) => {
      c.providers.microsoft = { clientId: 'c', clientSecret: CLIENT_SECRET, tenant: 'common/../x' }
    })).toEqual([expect.stringContaining('NUXT_AEGIS_PROVIDERS_MICROSOFT_TENANT')])
  })
})
