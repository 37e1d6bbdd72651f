import { describe, expect, it } from 'vitest'
import { passwordConfigProblems } from '../../src/runtime/server/password/config'
import { passwordDefaults } from '../../src/setup/password-options'

describe('[PWD-6] password settings are checked at start-up', () => {
  it('accepts the defaults', () => {
    expect(passwordConfigProblems(passwordDefaults)).toEqual([])
  })

  it('refuses an unknown loginCode instead of treating it as "no verification"', () => {
    for (const loginCode of ['Always', 'never', '', undefined]) {
      expect(passwordConfigProblems({ ...passwordDefaults, loginCode })).toEqual([expect.stringContaining('NUXT_AEGIS_PASSWORD_LOGIN_CODE')])
    }
  })

  it('names bad scrypt, policy and code settings', () => {
    const problems = passwordConfigProblems({
      loginCode: 'register',
      scrypt: { ...passwordDefaults.scrypt, cost: 1000 },
      policy: { minLength: 20, maxLength: 10 },
      code: { digits: 4, expiresIn: 0, maxAttempts: 100 },
    })
    expect(problems).toHaveLength(5)
    expect(problems.join('\n')).toMatch(/scrypt.*cost/)
    expect(problems.join('\n')).toMatch(/policy/)
    expect(problems.join('\n')).toMatch(/digits/)
    expect(problems.join('\n')).toMatch(/expiresIn/)
    expect(problems.join('\n')).toMatch(/maxAttempts/)
  })

  it('takes numbers from env overrides as strings', () => {
    expect(passwordConfigProblems({ ...passwordDefaults, policy: { minLength: '10', maxLength: '64' }, code: { digits: '8', expiresIn: '300', maxAttempts: '3' } })).toEqual([])
  })

  it('[PWD-15] refuses emailed links without siteUrl in production, naming NUXT_PUBLIC_SITE_URL', () => {
    const links = { ...passwordDefaults, links: { verify: '/verify-email', reset: '' } }
    expect(passwordConfigProblems(links, { production: true, siteOrigin: '' })).toEqual([expect.stringContaining('NUXT_PUBLIC_SITE_URL')])
    expect(passwordConfigProblems({ ...passwordDefaults, links: { verify: '', reset: '/reset' } }, { production: true, siteOrigin: '' })).toHaveLength(1)
    expect(passwordConfigProblems(links, { production: true, siteOrigin: 'https://app.example' })).toEqual([])
    expect(passwordConfigProblems(links, { production: false, siteOrigin: '' })).toEqual([])
    // No links: codes only, nothing built from a host.
    expect(passwordConfigProblems(passwordDefaults, { production: true, siteOrigin: '' })).toEqual([])
  })
})

describe('[PWD-6] rate limits fail closed', () => {
  it('a zero, negative or unreadable limit or window stops the start instead of turning the limit off', () => {
    const rateLimit = (rule: Record<string, unknown>) => ({ ...passwordDefaults.rateLimit, login: { perIp: { limit: 100, window: 900, ...rule }, perEmail: passwordDefaults.rateLimit.login.perEmail } })
    for (const bad of [{ limit: 0 }, { limit: -1 }, { limit: 'many' }, { window: 0 }, { window: 1.5 }]) {
      expect(passwordConfigProblems({ ...passwordDefaults, rateLimit: rateLimit(bad) })).toEqual([expect.stringMatching(/rateLimit\.login\.perIp\.(limit|window).*NUXT_AEGIS_PASSWORD_RATE_LIMIT_LOGIN_PER_IP_(LIMIT|WINDOW)/)])
    }
    expect(passwordConfigProblems({ ...passwordDefaults, rateLimit: rateLimit({}) })).toEqual([])
  })
})
