import type { H3Event } from 'h3'
import { AegisError, log } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { normalizeEmail } from './account'
import type { PasswordAccount } from './account'
import { policyProblem } from './policy'
import type { CodePurpose } from './verification'
import { publicOrigin } from '../context/services'
import { stringField } from './request'
import { passwordProvider, usePasswordServices } from './services'
import type { PasswordProviderDefinition, PasswordUserChange } from './types'

/** The app's registered callbacks; 404 (and one log line) when none were registered. */
export function provider(): PasswordProviderDefinition {
  const definition = passwordProvider()
  if (!definition) {
    log.error('providers.password is configured but no server plugin called definePasswordProvider({ findUser, onUserPersist, sendVerificationCode })')
    throw new AegisError(404, 'provider_disabled', 'password provider has no callbacks')
  }
  return definition
}

export function emailField(body: Record<string, unknown>): string {
  const email = normalizeEmail(body.email)
  if (!email) throw new AegisError(400, 'invalid_request', '"email" missing or not an email address')
  return email
}

export function codeField(body: Record<string, unknown>): string {
  const code = body.code
  const digits = Number(usePasswordServices().config.code.digits)
  if (typeof code !== 'string' || code.length !== digits || !/^\d+$/.test(code)) throw new AegisError(400, 'invalid_request', '"code" missing or malformed')
  return code
}

export const passwordField = (body: Record<string, unknown>, name: string) => stringField(body, name)

/** A weak_password error whose message says what is missing (the policy is not a secret). */
function weak(reason: string): AegisError {
  const error = new AegisError(400, 'weak_password', reason)
  error.message = `The password must have ${reason}.`.replace('have not ', 'not be ')
  return error
}

/** The configured policy, then the app's `validatePassword`; throws weak_password. */
export async function assertNewPassword(event: H3Event, password: string, email: string): Promise<void> {
  const problem = policyProblem(password, { email }, usePasswordServices().config.policy)
  if (problem) throw weak(problem)
  const verdict = await provider().validatePassword?.(password, { email, event })
  if (verdict === false) throw weak('a stronger value')
  if (typeof verdict === 'string') {
    const error = new AegisError(400, 'weak_password', 'refused by validatePassword')
    error.message = verdict.slice(0, 200)
    throw error
  }
}

export async function findAccount(event: H3Event, email: string): Promise<PasswordAccount | undefined> {
  const account = await provider().findUser(email, event)
  return account && typeof account.id === 'string' && account.id ? account : undefined
}

export async function persist(event: H3Event, change: PasswordUserChange): Promise<void> {
  await provider().onUserPersist(change, event)
}

/**
 * Issues a code for (email, purpose) and hands it to `sendVerificationCode` without waiting:
 * the answer must not take longer when an account exists. Failures are logged, not shown.
 */
export async function sendCode(event: H3Event, email: string, purpose: CodePurpose): Promise<void> {
  const { codes, config } = usePasswordServices()
  const issued = await codes.issue(email, purpose)
  const page = purpose === 'reset' ? config.links.reset : purpose === 'verify' ? config.links.verify : ''
  let url: string | undefined
  if (page) {
    url = `${publicOrigin(event)}${page}${page.includes('?') ? '&' : '?'}token=${issued.token}`
  }
  const sending = Promise.resolve()
    .then(() => provider().sendVerificationCode({ email, purpose, code: issued.code, token: issued.token, url, expiresIn: issued.expiresIn }, event))
    .catch(error => log.error(`sendVerificationCode (${purpose}) failed for ${fingerprint(email)}: ${error instanceof Error ? error.name : 'unknown error'}`))
  // Serverless runtimes would end the request's work early; Nitro offers waitUntil there.
  ;(event as { waitUntil?: (promise: Promise<unknown>) => void }).waitUntil?.(sending)
}
