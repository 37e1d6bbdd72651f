import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
// Nitro's own run-time override: proves a named variable really reaches the key that was checked.
import { applyEnv } from 'nitropack/runtime/internal/utils.env'
import { validateConfig } from '../../src/runtime/server/context/config'
import type { AegisRuntimeConfig } from '../../src/runtime/server/context/config'
import { envName } from '../../src/runtime/server/context/config-names'
import { passwordConfigProblems } from '../../src/runtime/server/password/config'
import type { PasswordConfigShape } from '../../src/runtime/server/password/config'
import { passwordDefaults } from '../../src/setup/password-options'

const SECRET = 'Strong-S3cret-Value-ZQX-32bytes!'
const ENC_KEY = 'Encryption-Key-Value-ZQX-32bytes'
const SHORT = 'Short-Key-Value-ZQX'
const CLIENT_SECRET = 'Client-Secret-Value-ZQX-987'
const EC_KEY = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))

function validConfig(): AegisRuntimeConfig {
  return {
    token: { secret: SECRET, expiresIn: '15m', algorithm: 'HS256', privateKey: '', previousPublicKeys: [], issuer: 'https://app.example', audience: '' },
    encryption: { enabled: false, key: '', algorithm: 'aes-256-gcm', previousKeys: [] },
    tokenRefresh: {
      enabled: true,
      rotation: true,
      reuseInterval: 10,
      absoluteTimeout: '30d',
      prefix: 'refresh:',
      cookie: { cookieName: 'nuxt-aegis-refresh', maxAge: 604800, secure: true, sameSite: 'lax', httpOnly: true, path: '/', domain: '' },
    },
    authCode: { expiresIn: 60, shared: false },
    redirect: { login: '/login', logout: '/', success: '/', error: '/auth/error' },
    routeProtection: { protectedRoutes: ['/api/protected/**'], publicRoutes: [] },
    endpoints: { authPath: '/auth', userInfoPath: '/api/user/me' },
    siteUrl: 'https://app.example',
    providers: {
      // defaultUser is in the runtime config only when set in nuxt.config: only then can it be wrong.
      mock: { clientId: 'nuxt-aegis-mock', clientSecret: '', enabled: true, defaultUser: 'alice' },
      github: { clientId: 'gh-client', clientSecret: CLIENT_SECRET },
      auth0: { clientId: 'a0', clientSecret: CLIENT_SECRET, domain: 'app.eu.auth0.com' },
      microsoft: { clientId: 'ms', clientSecret: CLIENT_SECRET, tenant: 'common' },
      oidc: { clientId: 'oidc', clientSecret: CLIENT_SECRET, issuer: 'https://idp.example' },
    },
  }
}

const encryptionOn = (c: AegisRuntimeConfig) => Object.assign(c.encryption, { enabled: true, key: ENC_KEY })
const es256 = (c: AegisRuntimeConfig) => Object.assign(c.token, { algorithm: 'ES256', privateKey: EC_KEY, secret: '' })

/**
 * Every problem validateConfig can report, each with the runtime config key (under
 * `runtimeConfig`) that holds the checked value: the message must name an env variable that
 * Nitro maps onto that key.
 */
const CASES: Array<[label: string, breakIt: (c: AegisRuntimeConfig) => void, key: string]> = [
  ['token.algorithm unsupported', (c) => { c.token.algorithm = 'none' }, 'aegis.token.algorithm'],
  ['token.privateKey missing', (c) => { es256(c).privateKey = '' }, 'aegis.token.privateKey'],
  ['token.privateKey not a key', (c) => { es256(c).privateKey = 'garbage' }, 'aegis.token.privateKey'],
  ['token.previousPublicKeys not a list', (c) => { es256(c).previousPublicKeys = 'not json' }, 'aegis.token.previousPublicKeys'],
  ['token.previousPublicKeys with a bad key', (c) => { es256(c).previousPublicKeys = ['not a key'] }, 'aegis.token.previousPublicKeys'],
  ['token.secret missing', (c) => { c.token.secret = '' }, 'aegis.token.secret'],
  ['token.secret weak', (c) => { c.token.secret = SHORT }, 'aegis.token.secret'],
  ['token.expiresIn bad', (c) => { c.token.expiresIn = 'soon' }, 'aegis.token.expiresIn'],
  ['encryption on without key', (c) => { c.encryption.enabled = true }, 'aegis.encryption.key'],
  ['encryption key short', (c) => { c.encryption = { ...c.encryption, enabled: true, key: SHORT } }, 'aegis.encryption.key'],
  ['encryption.previousKeys not a list', (c) => { encryptionOn(c).previousKeys = 'not json' }, 'aegis.encryption.previousKeys'],
  ['encryption.previousKeys short', (c) => { encryptionOn(c).previousKeys = [SHORT] }, 'aegis.encryption.previousKeys'],
  ['encryption.algorithm', (c) => { encryptionOn(c).algorithm = 'aes-128-cbc' }, 'aegis.encryption.algorithm'],
  ['tokenRefresh.absoluteTimeout', (c) => { c.tokenRefresh.absoluteTimeout = 'forever' }, 'aegis.tokenRefresh.absoluteTimeout'],
  ['tokenRefresh.reuseInterval', (c) => { c.tokenRefresh.reuseInterval = 3600 }, 'aegis.tokenRefresh.reuseInterval'],
  ['tokenRefresh.cookie.maxAge', (c) => { c.tokenRefresh.cookie.maxAge = 0 }, 'aegis.tokenRefresh.cookie.maxAge'],
  ['tokenRefresh.cookie.cookieName', (c) => { c.tokenRefresh.cookie.cookieName = 'bad name;' }, 'aegis.tokenRefresh.cookie.cookieName'],
  ['tokenRefresh.cookie.sameSite none without secure', (c) => { Object.assign(c.tokenRefresh.cookie, { sameSite: 'none', secure: false }) }, 'aegis.tokenRefresh.cookie.secure'],
  ['authCode.expiresIn', (c) => { c.authCode.expiresIn = 601 }, 'aegis.authCode.expiresIn'],
  ['redirect.error', (c) => { c.redirect.error = '//evil.example' }, 'aegis.redirect.error'],
  ['endpoints.userInfoPath', (c) => { c.endpoints.userInfoPath = 'me' }, 'aegis.endpoints.userInfoPath'],
  ['routeProtection.protectedRoutes', (c) => { c.routeProtection.protectedRoutes = ['api/**'] }, 'aegis.routeProtection.protectedRoutes'],
  ['routeProtection.publicRoutes', (c) => { c.routeProtection.publicRoutes = ['/a/../b'] }, 'aegis.routeProtection.publicRoutes'],
  ['siteUrl (aegis)', (c) => { c.siteUrl = 'not a url' }, 'aegis.siteUrl'],
  ['siteUrl (public fallback)', (c) => { c.siteUrl = 'ftp://app.example' }, 'public.siteUrl'],
  ['provider clientId', (c) => { c.providers.github!.clientId = '' }, 'aegis.providers.github.clientId'],
  ['provider clientSecret', (c) => { c.providers.github!.clientSecret = '' }, 'aegis.providers.github.clientSecret'],
  ['mock clientId', (c) => { c.providers.mock!.clientId = '' }, 'aegis.providers.mock.clientId'],
  ['auth0 domain', (c) => { c.providers.auth0!.domain = '' }, 'aegis.providers.auth0.domain'],
  ['microsoft tenant', (c) => { c.providers.microsoft!.tenant = 'a/../b' }, 'aegis.providers.microsoft.tenant'],
  ['oidc issuer missing', (c) => { c.providers.oidc!.issuer = '' }, 'aegis.providers.oidc.issuer'],
  ['oidc issuer http', (c) => { c.providers.oidc!.issuer = 'http://idp.example' }, 'aegis.providers.oidc.issuer'],
  ['mock defaultUser', (c) => { c.providers.mock!.defaultUser = 'mallory' }, 'aegis.providers.mock.defaultUser'],
]

const PASSWORD_CASES: Array<[label: string, breakIt: (c: PasswordConfigShape) => void, key: string]> = [
  ['loginCode', (c) => { c.loginCode = 'never' }, 'aegisPassword.loginCode'],
  ['scrypt.cost', (c) => { c.scrypt = { ...c.scrypt, cost: 1000 } }, 'aegisPassword.scrypt.cost'],
  ['scrypt.blockSize', (c) => { c.scrypt = { ...c.scrypt, blockSize: 0 } }, 'aegisPassword.scrypt.blockSize'],
  ['scrypt.saltLength', (c) => { c.scrypt = { ...c.scrypt, saltLength: 8 } }, 'aegisPassword.scrypt.saltLength'],
  ['policy.minLength', (c) => { c.policy = { ...c.policy, minLength: 0 } }, 'aegisPassword.policy.minLength'],
  ['policy.maxLength', (c) => { c.policy = { ...c.policy, maxLength: 5000 } }, 'aegisPassword.policy.maxLength'],
  ['code.digits', (c) => { c.code = { ...c.code, digits: 4 } }, 'aegisPassword.code.digits'],
  ['code.expiresIn', (c) => { c.code = { ...c.code, expiresIn: 0 } }, 'aegisPassword.code.expiresIn'],
  ['code.maxAttempts', (c) => { c.code = { ...c.code, maxAttempts: 100 } }, 'aegisPassword.code.maxAttempts'],
]

const SENTINEL = 'env-sentinel-value'
const setVars: string[] = []
afterEach(() => {
  for (const name of setVars.splice(0)) Reflect.deleteProperty(process.env, name)
})

/** The `NUXT_*` names a message mentions. */
const namesIn = (message: string) => [...message.matchAll(/\bNUXT_[A-Z\d_]*[A-Z\d]/g)].map(match => match[0])

/** Whether setting `name` makes Nitro's applyEnv change runtimeConfig at `key`. */
function reaches(name: string, key: string): boolean {
  const runtimeConfig = { aegis: validConfig(), aegisPassword: structuredClone(passwordDefaults), public: { siteUrl: '' } }
  process.env[name] = SENTINEL
  setVars.push(name)
  applyEnv(runtimeConfig, { prefix: 'NUXT_', altPrefix: 'NITRO_', envExpansion: false })
  Reflect.deleteProperty(process.env, name)
  const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], runtimeConfig)
  return value === SENTINEL
}

function expectNamed(problems: string[], key: string) {
  expect(problems.length).toBeGreaterThan(0)
  for (const problem of problems) {
    expect(problem).toContain('NUXT_')
    expect(problem).toMatch(/nuxtAegis\.[\w.]+/)
    for (const secret of [SECRET, ENC_KEY, SHORT, CLIENT_SECRET, EC_KEY.split('\n')[1]!.slice(0, 16)]) expect(problem).not.toContain(secret)
  }
  // At least one problem names the variable that sets the checked value, and that variable works.
  expect(problems.some(problem => namesIn(problem).some(name => reaches(name, key))), problems.join('\n')).toBe(true)
}

describe('[CFG-5] every start-up problem names the option and an env variable Nitro really maps', () => {
  it('the valid config has no problem (control)', () => {
    expect(validateConfig(validConfig())).toEqual([])
    expect(passwordConfigProblems(structuredClone(passwordDefaults))).toEqual([])
  })

  it.each(CASES)('%s', (_label, breakIt, key) => {
    const config = validConfig()
    breakIt(config)
    expectNamed(validateConfig(config), key)
  })

  it.each(PASSWORD_CASES)('providers.password %s', (_label, breakIt, key) => {
    const config = structuredClone(passwordDefaults) as PasswordConfigShape
    breakIt(config)
    expectNamed(passwordConfigProblems(config), key)
  })

  it('envName follows the runtime config key path as Nitro snake-cases it', () => {
    expect(envName('aegis.tokenRefresh.reuseInterval')).toBe('NUXT_AEGIS_TOKEN_REFRESH_REUSE_INTERVAL')
    expect(envName('aegis.encryption.previousKeys')).toBe('NUXT_AEGIS_ENCRYPTION_PREVIOUS_KEYS')
    expect(envName('aegis.authCode.expiresIn')).toBe('NUXT_AEGIS_AUTH_CODE_EXPIRES_IN')
    expect(envName('aegisPassword.code.maxAttempts')).toBe('NUXT_AEGIS_PASSWORD_CODE_MAX_ATTEMPTS')
    for (const key of ['aegis.token.previousPublicKeys', 'aegis.tokenRefresh.absoluteTimeout', 'aegis.tokenRefresh.cookie.cookieName', 'aegis.providers.mock.defaultUser']) {
      expect(reaches(envName(key), key)).toBe(true)
    }
  })
})
