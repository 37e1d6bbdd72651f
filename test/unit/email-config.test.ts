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
      'nuxtAegis.providers.email.code.digits (NUXT_AEGIS_EMAIL_CODE_DIGITS) must be between 6 and 10',
      'nuxtAegis.providers.email.rateLimit.send.perEmail.limit (NUXT_AEGIS_EMAIL_RATE_LIMIT_SEND_PER_EMAIL_LIMIT) must be a whole number above 0',
    ])
  })
})
