import { createHmac } from 'node:crypto'
import type { H3Event } from 'h3'
import { AegisError, log } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { linkUrl } from '../context/links'
import { useAegis } from '../context/services'
import { isAccountOf, lookalikeKey, normalizeEmail } from '../password/account'
import { lookupAccountWith } from '../password/lookup'
import type { AccountLookup } from '../password/lookup'
import { limitIp, limitSubjects } from '../password/request'
import { canonicalCode } from '../password/verification'
import type { CheckResult } from '../password/verification'
import { emailProvider, useEmailServices } from './services'
import type { EmailAccount, EmailProviderDefinition } from './types'

/** What a code for an address without an account carries: it may create one (only with `signUp`). */
const SIGN_UP = 'sign-up'

/** The app's registered callbacks; 404 (and one log line) when none were registered. */
export function provider(): EmailProviderDefinition {
  const definition = emailProvider()
  if (!definition) {
    log.error('providers.email is configured but no server plugin called defineEmailProvider({ findUser, sendVerificationCode })')
    throw new AegisError(404, 'provider_disabled', 'email provider has no callbacks')
  }
  return definition
}

/**
 * The account of an address, as for the password flows; an account that holds a password set
 * before its address was ever verified counts as unknown (no code, no login): that password may
 * be a squatter's, and an email login would hand the account, password and all, to the owner of
 * the mailbox (pre-account hijacking). Its owner verifies the address first.
 */
export async function lookup(event: H3Event, email: string): Promise<AccountLookup> {
  const found = await lookupAccountWith(provider().findUser, event, email)
  if (found.account?.passwordHash && found.account.emailVerified !== true) {
    log.debug(`email login for ${fingerprint(found.subject)}: account with a password but an unverified address, treated as unknown`)
    return { lookalike: true, subject: found.subject, limitKeys: found.limitKeys }
  }
  return found
}

/**
 * `POST /email/start`: the `send` limit per IP first (nothing stored yet), then per account (or
 * per address without one). A code is issued for every address, so known and unknown ones cost
 * the same; only an account's stored address, or a new address when `signUp` is on, gets mail.
 * A loosely matching `findUser` (another stored address) counts as unknown and signs nobody up.
 */
export async function startEmailLogin(event: H3Event, email: string): Promise<void> {
  const { config, codes } = useEmailServices()
  const app = provider()
  await limitIp(event, 'email:send', config.rateLimit.send)
  const found = await lookup(event, email)
  await limitSubjects(event, 'email:send', config.rateLimit.send, found.limitKeys)
  const signUp = !found.account && !found.lookalike && config.signUp === true && typeof app.createUser === 'function'
  const to = found.account ? found.account.email : email
  const issued = await codes.issue({ id: found.subject, email: to }, 'email', signUp ? SIGN_UP : undefined)
  if (!found.account && !signUp) return
  const url = linkUrl(event, String(config.links.login ?? ''), issued.token)
  // On the next turn of the event loop: an app's synchronous work (templates, building the mail)
  // must not delay this answer for known addresses only.
  const sending = new Promise(resolve => setImmediate(resolve))
    .then(() => app.sendVerificationCode({ email: to, purpose: 'email', code: issued.code, token: issued.token, url, expiresIn: issued.expiresIn, signUp }, event))
    .catch(error => log.error(`sendVerificationCode (email) failed for ${fingerprint(found.subject)}: ${error instanceof Error ? error.name : 'unknown error'}`))
  // Serverless runtimes would end the request's work early; Nitro offers waitUntil there.
  ;(event as { waitUntil?: (promise: Promise<unknown>) => void }).waitUntil?.(sending)
}

/**
 * `POST /email/verify`: checks a typed code (keyed by the account the address finds, after the
 * `code` limits) or a link token (its record names the account, which must still be the one
 * its stored address finds). The account is looked up again here, and its stored address must
 * be the one the code was sent to. Returns the account to sign in, or undefined.
 */
export async function verifyEmailLogin(event: H3Event, input: { email: string, code: string } | { token: string }): Promise<EmailAccount | undefined> {
  const { config, codes } = useEmailServices()
  await limitIp(event, 'email:code', config.rateLimit.code)
  let found: AccountLookup | undefined
  let checked: CheckResult
  let email: string | undefined
  if ('email' in input) {
    email = input.email
    found = await lookup(event, email)
    await limitSubjects(event, 'email:code', config.rateLimit.code, found.limitKeys)
    checked = await codes.checkCode(found.subject, 'email', input.code)
  }
  else {
    checked = await codes.checkLink('email', input.token)
    email = checked.ok ? normalizeEmail(checked.email) : undefined
    found = email ? await lookup(event, email) : undefined
  }
  if (!checked.ok || !found || !email || found.subject !== checked.subject) return undefined
  // The account found now must still have the address the code was mailed to: a code sent to
  // an old address (changed since) must not sign in the account's new one.
  if (found.account) return checked.bind === SIGN_UP || normalizeEmail(found.account.email) !== normalizeEmail(checked.email) ? undefined : found.account
  // A sign-up code names the exact address it was sent to; a look-alike spelling sharing its key does not match.
  if (checked.bind !== SIGN_UP || found.lookalike || normalizeEmail(checked.email) !== email || config.signUp !== true) return undefined
  return createAccount(event, email)
}

/** Creates the account of a proven new address through `createUser`, once per address at a time. */
async function createAccount(event: H3Event, email: string): Promise<EmailAccount | undefined> {
  const app = provider()
  if (!app.createUser) return undefined
  const key = `email-signup:${createHmac('sha256', useAegis().serverSecret).update(`nuxt-aegis:email-signup:${lookalikeKey(email)}`).digest('base64url')}`
  return useEmailServices().serialize(key, async () => {
    const again = await lookup(event, email)
    if (again.lookalike) return undefined
    if (again.account) return again.account
    const created = await app.createUser!({ email, emailVerified: true }, event)
    if (created && typeof created.id === 'string' && created.id && isAccountOf(created, email)) return created
    const account = (await lookup(event, email)).account
    if (!account) log.warn(`email sign-up of ${fingerprint(email)}: createUser returned no account and findUser does not find it`)
    return account
  })
}

export function emailField(body: Record<string, unknown>): string {
  const email = normalizeEmail(body.email)
  if (!email) throw new AegisError(400, 'invalid_request', '"email" missing or not an email address')
  return email
}

export function codeField(body: Record<string, unknown>): string {
  const code = canonicalCode(body.code, 'email', Number(useEmailServices().config.code.digits))
  if (!code) throw new AegisError(400, 'invalid_request', '"code" missing or malformed')
  return code
}
