import { safeRedirectPath } from '../../server/protection/redirects'
import type { AuthMessage } from '../client'
import { POPUP_NAME } from '../state'

/**
 * Login in a popup window. The popup runs the normal flow (provider, callback page, CODE
 * exchange with the same-origin `POST /auth/token` that sets the refresh cookie); only the
 * last step differs: instead of navigating, the callback page reports to the window that
 * opened it with `postMessage` addressed to this exact origin, and that window checks the
 * sender's origin and window before it takes anything. The CODE never leaves the popup.
 *
 * A lazy chunk: `useAuth().login({ popup: true })` loads it after opening the window (the window
 * must open during the click, so `openLoginPopup` stays in the base bundle, `../popup.ts`); the
 * callback and error pages import it statically.
 */

const MESSAGE_TYPE = 'nuxt-aegis:login'
/** How often the opener looks whether the user closed the popup. */
const CLOSED_POLL_MS = 300

interface SuccessReport { type: typeof MESSAGE_TYPE, result: 'success', session: AuthMessage, redirectTo?: string }
interface ErrorReport { type: typeof MESSAGE_TYPE, result: 'error', error: string }
/** What the callback (or error) page in the popup sends to its opener. */
export type PopupReport = SuccessReport | ErrorReport

/** A popup login that ended with an error (the provider refused, the CODE was bad, ...): `code` is the fixed error code. */
export class AegisLoginError extends Error {
  readonly code: string
  constructor(code: string) {
    super(`login failed: ${code}`)
    this.name = 'AegisLoginError'
    this.code = code
  }
}

export type PopupOutcome = { result: 'success', session: Extract<AuthMessage, { type: 'token' }>, redirectTo?: string } | { result: 'cancelled' }

interface Host {
  location: { origin: string }
  addEventListener: (type: 'message', listener: (event: MessageEvent) => void) => void
  removeEventListener: (type: 'message', listener: (event: MessageEvent) => void) => void
}

/**
 * Waits for the popup's report. Only a message from this exact origin and from the popup
 * window itself counts. Resolves `success` (with the session to take) or `cancelled` when the
 * popup was closed before it reported; rejects with an `AegisLoginError` when it reported an error.
 * On success the opener closes the popup (the popup does not close itself, so a report is never
 * overtaken by the "closed" check).
 */
export function waitForLoginPopup(popup: Window, host: Host = window): Promise<PopupOutcome> {
  return new Promise((resolve, reject) => {
    const finish = () => {
      globalThis.clearInterval(poll)
      host.removeEventListener('message', onMessage)
    }
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== host.location.origin || event.source !== popup) return
      const report = parseReport(event.data)
      if (!report) return
      finish()
      try {
        popup.close()
      }
      catch {
        // already closed
      }
      if (report.result === 'error') reject(new AegisLoginError(report.error))
      else resolve({ result: 'success', session: report.session as Extract<AuthMessage, { type: 'token' }>, redirectTo: report.redirectTo })
    }
    // globalThis: a bare `setInterval` is auto-imported from Nuxt's server-safe shim, pulling its chunk in.
    const poll = globalThis.setInterval(() => {
      if (!popup.closed) return
      finish()
      resolve({ result: 'cancelled' })
    }, CLOSED_POLL_MS)
    host.addEventListener('message', onMessage)
  })
}

/** Checks the shape of a report; anything else (other scripts' messages) is ignored. */
export function parseReport(data: unknown): PopupReport | null {
  if (!data || typeof data !== 'object') return null
  const report = data as Record<string, unknown>
  if (report.type !== MESSAGE_TYPE) return null
  if (report.result === 'error') {
    return typeof report.error === 'string' && /^[a-z_]{1,40}$/.test(report.error) ? { type: MESSAGE_TYPE, result: 'error', error: report.error } : null
  }
  if (report.result !== 'success') return null
  const session = report.session as Record<string, unknown> | null
  if (!session || session.type !== 'token' || typeof session.token !== 'string' || typeof session.expiresIn !== 'number') return null
  // Validated by the server at login start already; the same rule again costs nothing.
  const redirectTo = safeRedirectPath(report.redirectTo)
  return {
    type: MESSAGE_TYPE,
    result: 'success',
    session: { type: 'token', token: session.token, expiresIn: session.expiresIn, generation: typeof session.generation === 'number' ? session.generation : undefined },
    ...(redirectTo ? { redirectTo } : {}),
  }
}

/**
 * In the callback or error page: the window that opened this one with `login({ popup: true })`,
 * or null (a normal full-page login, another site's window, a blocked or severed opener).
 */
export function loginPopupOpener(): Window | null {
  if (typeof window === 'undefined' || window.name !== POPUP_NAME) return null
  const opener = window.opener as Window | null
  if (!opener || opener === window) return null
  try {
    // Reading another origin's location throws: such an opener gets nothing.
    return opener.location.origin === window.location.origin ? opener : null
  }
  catch {
    return null
  }
}

/** Sends the report to the opener, addressed to this exact origin (the browser drops it for any other). */
export function reportToOpener(opener: Window, report: Omit<SuccessReport, 'type'> | Omit<ErrorReport, 'type'>): void {
  opener.postMessage({ type: MESSAGE_TYPE, ...report }, window.location.origin)
  // Report once: if the user keeps using this window, later logins in it are ordinary ones.
  window.name = ''
}
