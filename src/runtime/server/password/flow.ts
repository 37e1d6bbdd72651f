import type { H3Event } from 'h3'
import { AegisError, log } from '../core/errors'
import { fingerprint, sha256 } from '../core/crypto'
import { isAccountOf, normalizeEmail } from './account'
import type { PasswordAccount } from './account'
import { policyProblem } from './policy'
import { canonicalCode } from './verification'
import type { CheckResult, CodePurpose } from './verification'
import type { HeldLock } from '../core/locks'
import { linkUrl } from '../context/links'
import { lookupAccountWith, subjectOf } from './lookup'
import type { AccountLookup } from './lookup'
import { limitIp, limitSubjects, readCredentialsBody, stringField } from './request'
import { passwordProvider, usePasswordServices } from './services'
import type { PasswordProviderDefinition, PasswordUserChange } from './types'

export { subjectOf }
export type { AccountLookup }

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

/** The typed code in its canonical form for `purpose` (reset codes are longer letters and digits); 400 otherwise. */
export function codeField(body: Record<string, unknown>, purpose: CodePurpose): string {
  const code = canonicalCode(body.code, purpose, Number(usePasswordServices().config.code.digits))
  if (!code) throw new AegisError(400, 'invalid_request', '"code" missing or malformed')
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

/**
 * The account a typed code or an emailed link is for, before a typed code is checked: a link is
 * checked (and spent) now, since it names no address until it is opened.
 */
export async function codeTarget(event: H3Event, purpose: CodePurpose, input: { typed?: { email: string }, token?: string }): Promise<{ lookup?: AccountLookup, link?: CheckResult }> {
  const { config, codes } = usePasswordServices()
  if (input.typed) {
    const lookup = await lookupAccount(event, input.typed.email)
    await limitSubjects(event, 'code', config.rateLimit.code, lookup.limitKeys)
    return { lookup }
  }
  const link = await codes.checkLink(purpose, input.token!)
  const email = link.ok ? normalizeEmail(link.email) : undefined
  return { link, lookup: email ? await lookupAccount(event, email) : undefined }
}

/**
 * The start of a request that only mails (reset, resend): the `send` limits per IP, then per
 * account, and the account of the address if there is one.
 */
export async function accountToMail(event: H3Event): Promise<PasswordAccount | undefined> {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  const rules = usePasswordServices().config.rateLimit.send
  await limitIp(event, 'send', rules)
  const { account, limitKeys } = await lookupAccount(event, email)
  await limitSubjects(event, 'send', rules, limitKeys)
  return account
}

/** The account of a typed address, as the password provider's `findUser` finds it (see `lookupAccountWith`). */
export function lookupAccount(event: H3Event, email: string): Promise<AccountLookup> {
  return lookupAccountWith(provider().findUser, event, email)
}

export async function findAccount(event: H3Event, email: string): Promise<PasswordAccount | undefined> {
  return (await lookupAccount(event, email)).account
}

/**
 * Before a write inside an account's turn: on Redis the turn is a lease, and a flow that
 * outlived it (a slow database) must not write over the next holder's result.
 */
export async function assertTurn(held?: HeldLock): Promise<void> {
  if (held && !await held.extend(TURN_MS)) throw new AegisError(503, 'storage_unavailable', 'account turn lost before writing')
}

const TURN_MS = 5_000

/** What a verification code may activate: a fingerprint of the password hash stored when it was sent. */
export function passwordBinding(account: Pick<PasswordAccount, 'passwordHash'>): string {
  return sha256(`nuxt-aegis:password-binding:${account.passwordHash ?? ''}`)
}

export async function persist(event: H3Event, change: PasswordUserChange): Promise<void> {
  await provider().onUserPersist(change, event)
}

/**
 * Creates the account of a registration and returns it: `onUserPersist` may return the new
 * account (with its id); otherwise `findUser` is asked once more.
 */
export async function createAccount(event: H3Event, email: string, passwordHash: string): Promise<PasswordAccount | undefined> {
  const returned = await provider().onUserPersist({ action: 'create', email, passwordHash, emailVerified: false }, event) as PasswordAccount | undefined
  if (returned && typeof returned === 'object' && typeof returned.id === 'string' && returned.id && isAccountOf(returned, email)) return returned
  const account = await findAccount(event, email)
  if (!account) log.warn(`registration of ${fingerprint(email)}: findUser does not find the new account yet; no verification code sent`)
  return account
}

/**
 * The account a successful code or link check is for, or undefined. A link carries no
 * address: its record names the account, which must still be the one `findUser` returns for
 * the stored address. A code issued for a password (registration) is void once the account's
 * password is another one: a later registration's password is never activated by an older code.
 */
export async function accountOfCheck(event: H3Event, checked: CheckResult, typed?: AccountLookup): Promise<PasswordAccount | undefined> {
  if (!checked.ok) return undefined
  let lookup = typed
  if (!lookup) {
    const email = normalizeEmail(checked.email)
    lookup = email ? await lookupAccount(event, email) : undefined
  }
  const account = lookup && lookup.subject === checked.subject ? lookup.account : undefined
  if (account && checked.bind !== undefined && checked.bind !== passwordBinding(account)) return undefined
  return account
}

/**
 * Issues a code for (account, purpose) and hands it to `sendVerificationCode` without waiting:
 * the answer must not take longer when an account exists. The message goes to the account's
 * **stored** address, never to what the client typed. Failures are logged, not shown.
 */
export async function sendCode(event: H3Event, account: PasswordAccount, purpose: CodePurpose, bind?: string): Promise<void> {
  const { codes, config } = usePasswordServices()
  const email = account.email
  const issued = await codes.issue({ id: subjectOf(account), email }, purpose, bind)
  const page = purpose === 'reset' ? config.links.reset : purpose === 'verify' ? config.links.verify : ''
  const url = linkUrl(event, page, issued.token)
  const sending = Promise.resolve()
    .then(() => provider().sendVerificationCode({ email, purpose, code: issued.code, token: issued.token, url, expiresIn: issued.expiresIn }, event))
    .catch(error => log.error(`sendVerificationCode (${purpose}) failed for ${fingerprint(account.id)}: ${error instanceof Error ? error.name : 'unknown error'}`))
  // Serverless runtimes would end the request's work early; Nitro offers waitUntil there.
  ;(event as { waitUntil?: (promise: Promise<unknown>) => void }).waitUntil?.(sending)
}
