import { MAX_PASSWORD_BYTES } from './hash'

export interface PasswordPolicy {
  /** Fewest characters (Unicode code points). @default 8 */
  minLength: number
  /** Most characters; bounds the hashing work. @default 128 */
  maxLength: number
}

export const DEFAULT_POLICY: PasswordPolicy = { minLength: 8, maxLength: 128 }

/** Why a new password is refused, or undefined when the policy accepts it. */
export function policyProblem(password: string, context: { email: string }, policy: PasswordPolicy): string | undefined {
  const length = [...password].length
  if (length < policy.minLength) return `at least ${policy.minLength} characters`
  if (length > policy.maxLength || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return `at most ${policy.maxLength} characters`
  if (password.trim().toLowerCase() === context.email.toLowerCase()) return 'not the email address'
  return undefined
}
