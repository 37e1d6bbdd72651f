import type { TokenResponse } from '../../types'
import { requestOrigin, requestTarget } from '../client'
import type { ClientCore } from '../client'
import type { MfaStep } from './mfa'

/**
 * Logins that POST something and take the token of the answer: the CODE exchange of the
 * callback page and credentials logins (password, `defineCredentialsEventHandler` routes).
 * A lazy chunk: the client's `exchange` and `signIn` load it on first use.
 */

/**
 * Exchanges the CODE of the callback page for a session (same-origin `POST <authPath>/token`).
 * A user with a second factor gets the step (`{ status: 'mfa_required', ... }`) instead: returned as it is.
 */
export async function exchange(core: ClientCore, code: string): Promise<TokenResponse | MfaStep> {
  const response = await core.fetch<TokenResponse | MfaStep>(`${core.authPath}/token`, {
    method: 'POST',
    body: { code },
    credentials: 'same-origin',
  })
  if ('token' in response && typeof response.token === 'string') core.accept(response)
  return response
}

/**
 * POSTs credentials as JSON to a same-origin login endpoint (`<authPath>/password/login`, a
 * `defineCredentialsEventHandler` route ...). A token answer logs the user in (and the other
 * tabs); any other answer (e.g. `{ status: 'code_required' }`) is returned as it is.
 */
export async function signIn<T extends object = TokenResponse>(core: ClientCore, url: string, body: Record<string, unknown>): Promise<T> {
  if (typeof window !== 'undefined' && !mayAttachCredentials(url, core.baseURL)) throw new Error('signIn: credentials only go to this origin')
  const response = await core.fetch<T>(url, { method: 'POST', body, credentials: 'same-origin' })
  const answer = response as Partial<TokenResponse> | null
  if (answer && typeof answer.token === 'string' && typeof answer.expiresIn === 'number') core.accept(answer as TokenResponse)
  return response
}

/** True when `url`, as the fetch will request it (the default `baseURL` applies), is on this origin. */
function mayAttachCredentials(url: string, baseURL: string | undefined): boolean {
  const origin = window.location.origin
  const target = requestTarget(url, baseURL)
  return target !== undefined && requestOrigin(target, origin) === origin
}
