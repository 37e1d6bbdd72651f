import { envName } from '../context/config-names'
import { scryptParams } from './hash'

export interface PasswordConfigShape {
  loginCode: unknown
  policy: { minLength: unknown, maxLength: unknown }
  scrypt: Record<string, unknown>
  code: { digits: unknown, expiresIn: unknown, maxAttempts: unknown }
  links?: { verify?: unknown, reset?: unknown }
  rateLimit?: Record<string, Record<string, { limit?: unknown, window?: unknown } | undefined> | undefined>
}

export interface PasswordConfigContext {
  /** A production server (not `nuxi dev`). */
  production: boolean
  /** The origin of `siteUrl`, '' when unset. */
  siteOrigin: string
}

/** `nuxtAegis.providers.password.<path> (NUXT_AEGIS_PASSWORD_...)`: the settings sit at `runtimeConfig.aegisPassword`. */
const named = (path: string) => `nuxtAegis.providers.password.${path} (${envName(`aegisPassword.${path}`)})`

const SCRYPT_FIELDS = ['cost', 'blockSize', 'parallelization', 'keyLength', 'saltLength']

const positiveInt = (value: unknown) => Number.isSafeInteger(Number(value)) && Number(value) > 0

/**
 * Problems with the password settings that must stop the server (fail closed: an unknown
 * `loginCode` must never mean "no verification"). Messages name the option and env var.
 */
export function passwordConfigProblems(config: PasswordConfigShape, context?: PasswordConfigContext): string[] {
  const problems: string[] = []
  // Links built from the Host header would point wherever the requester says: a reset link to the attacker's host.
  if (context?.production && !context.siteOrigin && (config.links?.verify || config.links?.reset)) {
    problems.push('nuxtAegis.providers.password.links (NUXT_AEGIS_PASSWORD_LINKS_VERIFY / _RESET) need nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) in production: emailed links are never built from the Host header')
  }
  if (!['off', 'register', 'always'].includes(String(config.loginCode))) {
    problems.push(`${named('loginCode')} must be 'off', 'register' or 'always'`)
  }
  try {
    scryptParams(config.scrypt as never)
  }
  catch (error) {
    const message = (error as Error).message
    const fields = SCRYPT_FIELDS.filter(field => message.includes(field))
    problems.push(`${(fields.length ? fields : SCRYPT_FIELDS).map(field => named(`scrypt.${field}`)).join(', ')}: ${message}`)
  }
  const { minLength, maxLength } = config.policy
  if (!positiveInt(minLength) || !positiveInt(maxLength) || Number(minLength) > Number(maxLength) || Number(maxLength) > 1024) {
    problems.push(`${named('policy.minLength')} and ${named('policy.maxLength')} must be whole numbers with 1 <= minLength <= maxLength <= 1024`)
  }
  problems.push(...codeProblems(named, config))
  return problems
}

/**
 * Problems with the settings of emailed codes and their rate limits, for every flow that sends
 * them (password, email codes); `named` turns a path into the option and env variable.
 * `minDigits`: the shortest code the flow allows (10 is the most `randomInt` can draw).
 */
export function codeProblems(named: (path: string) => string, config: Pick<PasswordConfigShape, 'code' | 'rateLimit'>, minDigits = 6): string[] {
  const problems: string[] = []
  const { digits, expiresIn, maxAttempts } = config.code
  if (!positiveInt(digits) || Number(digits) < minDigits || Number(digits) > 10) problems.push(`${named('code.digits')} must be between ${minDigits} and 10`)
  if (!positiveInt(expiresIn) || Number(expiresIn) > 86_400) problems.push(`${named('code.expiresIn')} must be between 1 and 86400 seconds`)
  if (!positiveInt(maxAttempts) || Number(maxAttempts) > 20) problems.push(`${named('code.maxAttempts')} must be between 1 and 20`)
  // A zero or unreadable limit would silently mean "no limit": fail closed instead.
  for (const [bucket, pair] of Object.entries(config.rateLimit ?? {})) {
    for (const [side, rule] of Object.entries(pair ?? {})) {
      if (!rule) continue
      for (const field of ['limit', 'window'] as const) {
        if (!positiveInt(rule[field])) problems.push(`${named(`rateLimit.${bucket}.${side}.${field}`)} must be a whole number above 0`)
      }
    }
  }
  return problems
}
