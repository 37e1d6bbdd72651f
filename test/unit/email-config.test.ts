import { describe, expect, it } from 'vitest'
import { emailConfigProblems } from '../../src/runtime/server/email/config'
import { emailDefaults } from '../../src/setup/email-options'

describe('[EML-3] providers.email start-up checks', () => {
  it('accepts the defaults', () => {
    expect(emailConfigProblems(emailDefaults, { production: true, siteOrigin: '' })).toEqual([])
  })

  it('refuses links.login without siteUrl in production, naming the option and NUXT_PUBLIC_SITE_URL', () => {
    const config = { ...emailDefaults, links: { login: '/login/email' } }
    expect(emailConfigProblems(config, { production: true, siteOrigin: '' })).toEqual([expect.stringContaining('nuxtAegis.providers.email.links.login (NUXT_AEGIS_EMAIL_LINKS_LOGIN) needs nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL)')])
    expect(emailConfigProblems(config, { production: true, siteOrigin: 'https://app.example' })).toEqual([])
    expect(emailConfigProblems(config, { production: false, siteOrigin: '' })).toEqual([])
  })

  it('refuses short codes and zero limits (a zero limit must not mean "no limit")', () => {
    const config = { ...emailDefaults, code: { ...emailDefaults.code, digits: 4 }, rateLimit: { ...emailDefaults.rateLimit, send: { perEmail: { limit: 0, window: 900 } } } }
    expect(emailConfigProblems(config as never, { production: false, siteOrigin: '' })).toEqual([
      'nuxtAegis.providers.email.code.digits (NUXT_AEGIS_EMAIL_CODE_DIGITS) must be between 8 and 10',
      'nuxtAegis.providers.email.rateLimit.send.perEmail.limit (NUXT_AEGIS_EMAIL_RATE_LIMIT_SEND_PER_EMAIL_LIMIT) must be a whole number above 0',
    ])
  })
})

describe('[EML-4] email code length', () => {
  const digits = (value: unknown) => emailConfigProblems({ ...emailDefaults, code: { ...emailDefaults.code, digits: value } } as never, { production: false, siteOrigin: '' })

  it('defaults to 8 digits and accepts 8 to 10', () => {
    expect(emailDefaults.code.digits).toBe(8)
    for (const value of [8, 9, 10, '9']) expect(digits(value)).toEqual([])
  })

  it('refuses 6 and 7 digits (too easy to guess within the default limits), more than 10, and non-numbers', () => {
    for (const value of [6, 7, 11, 8.5, 'eight', '']) {
      expect(digits(value)).toEqual(['nuxtAegis.providers.email.code.digits (NUXT_AEGIS_EMAIL_CODE_DIGITS) must be between 8 and 10'])
    }
  })
})

describe('[EML-5] links.login is a path on this site', () => {
  const problems = (login: unknown) => emailConfigProblems({ ...emailDefaults, links: { login } } as never, { production: true, siteOrigin: 'https://app.example' })

  it('accepts empty (no link) and plain paths, with or without a query', () => {
    for (const login of ['', '/email-login', '/login/email', '/login?via=email']) expect(problems(login)).toEqual([])
  })

  it('refuses anything a browser could read as another origin or that is not a plain path, naming the option', () => {
    for (const login of ['email-login', '//evil.example/login', '/\\evil.example', '/login\\x', 'https://evil.example/login', 'javascript:alert(1)', '/%2F%2Fevil.example', '/a/../login', '/@evil.example', '/login#x', '/login\nx', ' /login', 42, {}]) {
      expect(problems(login), String(login)).toEqual([expect.stringMatching(/^nuxtAegis\.providers\.email\.links\.login \(NUXT_AEGIS_EMAIL_LINKS_LOGIN\) must be a path on this site starting with "\/"/)])
    }
  })
})
