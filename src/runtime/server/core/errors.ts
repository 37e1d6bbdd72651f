import type { H3Error, H3Event } from 'h3'
import { createError, setResponseHeader, setResponseStatus } from 'h3'

/** Stable error codes: clients and the error page rely on these strings. */
export const ERROR_CODES = {
  invalid_request: 'The request is malformed.',
  unsupported_media_type: 'Send the body as application/json.',
  payload_too_large: 'The request body is too large.',
  length_required: 'Send the body with a Content-Length.',
  method_not_allowed: 'Method not allowed.',
  invalid_code: 'The login code is invalid or has expired. Please log in again.',
  invalid_refresh_token: 'The session has ended. Please log in again.',
  token_reused: 'The session was ended for your safety. Please log in again.',
  refresh_conflict: 'The session was just refreshed by another request. Retry.',
  invalid_token: 'The access token is missing, invalid or expired.',
  unauthorized: 'Authentication required.',
  cross_site_request: 'Cross-site requests are not allowed.',
  invalid_state: 'The login could not be verified. Please try again.',
  access_denied: 'The login was cancelled or denied.',
  provider_error: 'The identity provider reported an error.',
  login_failed: 'The login could not be completed.',
  invalid_id_token: 'The identity provider\'s answer could not be verified.',
  provider_unavailable: 'The identity provider is not reachable right now. Please try again.',
  provider_disabled: 'This login method is not available.',
  provider_token_unavailable: 'No token of this provider is kept for this session.',
  provider_reauth_required: 'The provider access has ended. Please log in with the provider again.',
  storage_unavailable: 'The session store is unavailable. Please retry.',
  invalid_credentials: 'The email or password is incorrect.',
  email_not_verified: 'Confirm your email address first: a new code is on its way.',
  invalid_verification_code: 'The code is invalid or has expired.',
  weak_password: 'The password does not meet the requirements.',
  too_many_requests: 'Too many attempts. Please wait and try again.',
  mfa_required: 'A second factor is required for this.',
  invalid_mfa_code: 'The code is invalid or was already used.',
  invalid_mfa_step: 'The sign-in has expired. Please log in again.',
  mfa_already_enabled: 'A second factor is already set up.',
  mfa_not_enabled: 'No second factor is set up.',
  invalid_challenge: 'The passkey request has expired or was already used. Please try again.',
  invalid_passkey: 'The passkey could not be verified.',
  passkey_exists: 'This passkey is already registered.',
  not_found: 'Not found.',
  impersonation_forbidden: 'Impersonation of this user is not allowed.',
  impersonation_chain: 'Stop the current impersonation before starting another.',
  impersonation_not_allowed: 'This action is not available while impersonating.',
  link_failed: 'The sign-in method could not be linked. Please try again.',
  identity_already_linked: 'This sign-in method belongs to another account.',
  last_identity: 'This is the account\'s last sign-in method: add another one first.',
  server_error: 'Something went wrong.',
} as const

export type AegisErrorCode = keyof typeof ERROR_CODES

/** An expected failure with an HTTP status, a stable code and a server-side detail for the log. */
export class AegisError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: AegisErrorCode,
    /** For the server log only (already redacted: no tokens, codes or secrets). */
    readonly detail?: string,
  ) {
    super(ERROR_CODES[code])
    this.name = 'AegisError'
  }
}

export function isAegisError(error: unknown): error is AegisError {
  return error instanceof AegisError
}

/** Writes `{ error, message }` with the error's status; the detail goes to the debug log only. */
export function sendError(event: H3Event, error: AegisError): { error: string, message: string } {
  setResponseStatus(event, error.statusCode)
  setErrorHeaders(event, error)
  return { error: error.code, message: error.message }
}

/**
 * The same error for a server util to throw into the app's own handler (Nitro's error format,
 * `data: { error, message }`), with the same response headers as `sendError`.
 */
export function toH3Error(event: H3Event, error: AegisError): H3Error {
  setErrorHeaders(event, error)
  return createError({ statusCode: error.statusCode, message: error.message, data: { error: error.code, message: error.message } })
}

/** no-store; a 401 names its scheme (RFC 9110 §15.5.2); a 503 says when to retry. The detail goes to the debug log. */
function setErrorHeaders(event: H3Event, error: AegisError): void {
  setResponseHeader(event, 'cache-control', 'no-store')
  if (error.statusCode === 401) setResponseHeader(event, 'www-authenticate', 'Bearer')
  if (error.statusCode === 503) setResponseHeader(event, 'retry-after', 1)
  if (error.detail) log.debug(`${error.code}: ${error.detail}`)
}

/** Runs a route body, turning AegisErrors into JSON errors and anything else into a logged 500. */
export async function withErrors<T>(event: H3Event, fn: () => Promise<T>): Promise<T | { error: string, message: string }> {
  try {
    return await fn()
  }
  catch (error) {
    if (isAegisError(error)) return sendError(event, error)
    log.error('unexpected error', error instanceof Error ? error.message : String(error))
    return sendError(event, new AegisError(500, 'server_error'))
  }
}

const debugEnabled = () => /(?:^|,)\s*(?:nuxt-aegis|\*)\s*(?:,|$)/.test(process.env.DEBUG ?? '')

/** The module's logger: one prefix, debug lines only with DEBUG=nuxt-aegis. Callers pass redacted text. */
export const log = {
  debug: (...args: unknown[]) => {
    if (debugEnabled()) console.debug('[nuxt-aegis]', ...args)
  },
  info: (...args: unknown[]) => console.info('[nuxt-aegis]', ...args),
  warn: (...args: unknown[]) => console.warn('[nuxt-aegis]', ...args),
  error: (...args: unknown[]) => console.error('[nuxt-aegis]', ...args),
}
