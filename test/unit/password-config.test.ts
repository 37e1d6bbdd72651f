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
})
