import { scryptParams } from './hash'

export interface PasswordConfigShape {
  loginCode: unknown
  policy: { minLength: unknown, maxLength: unknown }
  scrypt: Record<string, unknown>
  code: { digits: unknown, expiresIn: unknown, maxAttempts: unknown }
}

const positiveInt = (value: unknown) => Number.isSafeInteger(Number(value)) && Number(value) > 0

/**
 * Problems with the password settings that must stop the server (fail closed: an unknown
 * `loginCode` must never mean "no verification"). Messages name the option and env var.
 */
export function passwordConfigProblems(config: PasswordConfigShape): string[] {
  const problems: string[] = []
  if (!['off', 'register', 'always'].includes(String(config.loginCode))) {
    problems.push(`nuxtAegis.providers.password.loginCode (NUXT_AEGIS_PASSWORD_LOGIN_CODE) must be 'off', 'register' or 'always'`)
  }
  try {
    scryptParams(config.scrypt as never)
  }
  catch (error) {
    problems.push(`nuxtAegis.providers.password.scrypt (NUXT_AEGIS_PASSWORD_SCRYPT_*): ${(error as Error).message}`)
  }
  const { minLength, maxLength } = config.policy
  if (!positiveInt(minLength) || !positiveInt(maxLength) || Number(minLength) > Number(maxLength) || Number(maxLength) > 1024) {
    problems.push('nuxtAegis.providers.password.policy: minLength and maxLength must be whole numbers with 1 <= minLength <= maxLength <= 1024')
  }
  const { digits, expiresIn, maxAttempts } = config.code
  if (!positiveInt(digits) || Number(digits) < 6 || Number(digits) > 10) problems.push('nuxtAegis.providers.password.code.digits must be between 6 and 10')
  if (!positiveInt(expiresIn) || Number(expiresIn) > 86_400) problems.push('nuxtAegis.providers.password.code.expiresIn must be between 1 and 86400 seconds')
  if (!positiveInt(maxAttempts) || Number(maxAttempts) > 20) problems.push('nuxtAegis.providers.password.code.maxAttempts must be between 1 and 20')
  return problems
}
