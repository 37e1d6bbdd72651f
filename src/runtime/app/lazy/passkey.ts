import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/browser'
import type { TokenResponse } from '../../types'
import type { ClientCore } from '../client'

/**
 * Passkeys in the browser: a lazy chunk (loaded by `useAuth().passkey.*` on first use) that
 * loads `@simplewebauthn/browser` in its turn, so nothing of WebAuthn is in the base bundle.
 */

/** A passkey as `useAuth().passkey.list()` shows it (no key material). */
export interface PasskeyInfo {
  id: string
  name?: string
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  transports?: string[]
  aaguid?: string
  /** Unix seconds. */
  createdAt: number
  lastUsedAt?: number
}

export interface PasskeyLoginOptions {
  /**
   * Conditional UI: wait until the user picks a passkey in the browser's autofill of an
   * `<input autocomplete="username webauthn">` on the page, instead of opening a dialog. A later
   * `login()` or `register()` call cancels the wait.
   */
  autofill?: boolean
}

/** `useAuth().passkey`. Errors: `$fetch` errors (`data.error`, see docs/passkeys.md) or the browser's WebAuthn errors (`NotAllowedError` when the user cancels). */
export interface PasskeyApi {
  /** Adds a passkey to the logged-in user's account; resolves to it. */
  register: (options?: { name?: string }) => Promise<PasskeyInfo>
  /** Logs in with a discoverable passkey (a dialog, or the autofill with `autofill: true`). */
  login: (options?: PasskeyLoginOptions) => Promise<void>
  /** The logged-in user's passkeys. */
  list: () => Promise<PasskeyInfo[]>
  /** Removes one of the logged-in user's passkeys. */
  remove: (id: string) => Promise<void>
  /** Whether this browser can use passkeys, and their autofill. */
  supported: () => Promise<{ passkeys: boolean, autofill: boolean }>
}

/**
 * The client's calls the ceremonies use: the plain fetch and token intake (`core`), the fetch that
 * attaches the access token, and the loader of @simplewebauthn/browser (its `import()` sits in the
 * client, as every lazy import does: one here would pull the bundler's preload helper into the base).
 */
export function passkeyApi(core: ClientCore, authFetch: <T>(url: string, options?: Record<string, unknown>) => Promise<T>, browser: () => Promise<typeof import('@simplewebauthn/browser')>): PasskeyApi {
  const url = (path: string) => `${core.authPath}/passkey/${path}`
  const post = <T>(path: string, body: Record<string, unknown>) => authFetch<T>(url(path), { method: 'POST', body, credentials: 'same-origin' })
  return {
    async register(options = {}) {
      const [{ startRegistration }, optionsJSON] = await Promise.all([browser(), post<PublicKeyCredentialCreationOptionsJSON>('register/options', {})])
      const response: RegistrationResponseJSON = await startRegistration({ optionsJSON })
      return (await post<{ passkey: PasskeyInfo }>('register/verify', { response, ...(options.name ? { name: options.name } : {}) })).passkey
    },
    async login(options = {}) {
      const [{ startAuthentication }, optionsJSON] = await Promise.all([
        browser(),
        core.fetch<PublicKeyCredentialRequestOptionsJSON>(url('login/options'), { method: 'POST', body: {}, credentials: 'same-origin' }),
      ])
      const response: AuthenticationResponseJSON = await startAuthentication({ optionsJSON, useBrowserAutofill: Boolean(options.autofill) })
      // The answer is a login like the password one: take its token (and tell the other tabs).
      core.accept(await core.fetch<TokenResponse>(url('login/verify'), { method: 'POST', body: { response }, credentials: 'same-origin' }))
    },
    async list() {
      return (await authFetch<{ passkeys: PasskeyInfo[] }>(url('credentials'), { credentials: 'same-origin' })).passkeys
    },
    async remove(id) {
      await authFetch(url(`credentials/${encodeURIComponent(id)}`), { method: 'DELETE', credentials: 'same-origin' })
    },
    async supported() {
      const { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill } = await browser()
      return { passkeys: browserSupportsWebAuthn(), autofill: await browserSupportsWebAuthnAutofill() }
    },
  }
}
