import { computed } from 'vue'
import type { ComputedRef } from 'vue'
import { navigateTo, useNuxtApp, useRuntimeConfig, useState } from '#imports'
import type { AegisUser, ImpersonationActor, SessionInfo } from '../../types'
import type { AuthClient } from '../client'
import type { PasskeyApi } from '../lazy/passkey'
import { openLoginPopup } from '../popup'
import { STATE_KEY } from '../state'
import type { AuthState, AuthStatus, PublicAegisConfig } from '../state'
import type { MfaFactor, MfaStep, TotpEnrolment } from '../lazy/mfa'

export type { MfaFactor, MfaStep, TotpEnrolment }

export interface LoginOptions {
  /** Path on this site to return to after login (validated on the server). */
  redirectTo?: string
  /** Extra query parameters for the provider route (e.g. `{ user: 'bob' }` for a mock persona). */
  params?: Record<string, string>
  /**
   * Log in in a popup window: this page stays, `user` fills in when the popup is done
   * (then the app goes to `redirectTo` if one was given). A blocked popup falls back to a
   * full-page login. Call it straight from a click handler, or the browser blocks the popup.
   */
  popup?: boolean
  /**
   * Link this provider to the logged-in user instead of logging in (needs `defineAccounts` on
   * the server): ends in the app's `linkIdentity`, then on `redirectTo`. Full page only.
   */
  link?: boolean
}

/**
 * How `login()` ended: `authenticated` (popup login done), `cancelled` (the popup was closed
 * before the login finished), `redirected` (a full-page login started: this page unloads).
 * A popup login the provider or server refused rejects with an `AegisLoginError` (`code`).
 */
export type LoginResult = 'authenticated' | 'cancelled' | 'redirected'

export interface UseAuth<T extends AegisUser = AegisUser> {
  user: ComputedRef<T | null>
  status: ComputedRef<AuthStatus>
  isLoggedIn: ComputedRef<boolean>
  isLoading: ComputedRef<boolean>
  login: (provider: string, options?: LoginOptions) => Promise<LoginResult>
  /** Logs out; `everywhere: true` ends every session of the user on all devices. */
  logout: (options?: { redirectTo?: string, everywhere?: boolean }) => Promise<void>
  /**
   * A new access token now. `updateClaims: true` runs the provider's `customClaims` again for the
   * stored user and keeps the result on the session (after a role change); the session's older
   * access tokens are refused from then on, and other tabs get the new user too.
   */
  refresh: (options?: { updateClaims?: boolean }) => Promise<boolean>
  /**
   * Email + password login (`providers.password`): `{ email, password }`, or `{ email, code }` for
   * the second step when a login code is required. Resolves to `'authenticated'` or
   * `'code_required'`; errors are thrown as `$fetch` errors (`data.error`: `invalid_credentials`,
   * `email_not_verified`, `too_many_requests` ...).
   */
  loginWithPassword: (credentials: { email: string, password: string } | { email: string, code: string }) => Promise<'authenticated' | 'code_required' | 'mfa_required'>
  /** Login through your own `defineCredentialsEventHandler` route (a same-origin path) with any JSON body. */
  loginWithCredentials: (path: string, credentials: Record<string, unknown>) => Promise<void>
  /**
   * Email one-time code login (`providers.email`, docs/email-login.md): `start(email)` mails a
   * code and a link; `verify({ email, code })` or `verify({ token })` (the link's page) signs in,
   * or resolves `'mfa_required'` (then `mfa.verify`). Loaded on first use.
   */
  email: {
    start: (email: string) => Promise<void>
    verify: (input: { email: string, code: string } | { token: string }) => Promise<'authenticated' | 'mfa_required'>
  }
  /**
   * Second factors (`mfa`, docs/two-factor.md). `pending` is the step of a login answered
   * `'mfa_required'`; `verify({ code } | { recoveryCode })` finishes it. For the logged-in user:
   * `enroll()` (URI, SVG QR, secret), `confirm(code)` (the ten recovery codes, shown once),
   * `disable({ code } | { recoveryCode })`, `status()`. Loaded on first use.
   */
  mfa: {
    pending: ComputedRef<MfaStep | null>
    verify: (factor: MfaFactor, stepToken?: string) => Promise<'authenticated'>
    enroll: () => Promise<TotpEnrolment>
    confirm: (code: string) => Promise<{ recoveryCodes: string[] }>
    disable: (factor: MfaFactor) => Promise<void>
    status: () => Promise<{ totp: boolean, recoveryCodes: number }>
  }
  /** `$fetch` that sends the access token to same-origin URLs and retries once after a refresh. */
  fetch: <R = unknown>(url: string, options?: Record<string, unknown>) => Promise<R>
  /** The user's live sessions ("your devices"), newest first; this tab's has `current: true`. */
  sessions: () => Promise<SessionInfo[]>
  /**
   * Ends one session by its listed id. Ending this tab's own session logs this tab (and its
   * sibling tabs) out and goes to `redirect.logout`, as `logout()` does.
   */
  revokeSession: (id: string) => Promise<void>
  /** Ends every session of the user but this one; resolves to how many ended. */
  revokeOtherSessions: () => Promise<number>
  /** True while this tab acts as another user (its token has an `act` claim). */
  impersonating: ComputedRef<boolean>
  /** The real user behind an impersonation (`act`: `{ sub, provider }`), null otherwise. */
  actor: ComputedRef<ImpersonationActor | null>
  /**
   * Act as the user `sub` (`POST <authPath>/impersonate`; the server's `nuxt-aegis:canImpersonate`
   * decides). `user` becomes the target; there is no refresh: when the short-lived token ends,
   * or on `stopImpersonation()` or a reload, the tab is back to the actor.
   */
  impersonate: (sub: string, options?: { reason?: string }) => Promise<void>
  /** Back to the actor's own session. */
  stopImpersonation: () => Promise<void>
  /** The user's sign-in methods (`defineAccounts`). */
  identities: () => Promise<Array<{ provider: string, subject: string }>>
  /** Removes one sign-in method; the server refuses the last one (409 `last_identity`). */
  unlinkIdentity: (identity: { provider: string, subject: string }) => Promise<Array<{ provider: string, subject: string }>>
  /**
   * Passkeys (`providers.passkey`, docs/passkeys.md): `register({ name? })` (logged in), `login({ autofill? })`,
   * `list()`, `remove(id)`, `supported()`. The code (and @simplewebauthn/browser) loads on first use.
   */
  passkey: PasskeyApi
}

/** The logged-in user and the actions around it. */
export function useAuth<T extends AegisUser = AegisUser>(): UseAuth<T> {
  const nuxtApp = useNuxtApp()
  const client = nuxtApp.$aegis as AuthClient
  const config = useRuntimeConfig().public.aegis as unknown as PublicAegisConfig
  const state = useState<AuthState>(STATE_KEY, () => ({ user: null, status: 'unknown' }))
  // The step of a login waiting for its second factor (set in the browser only, never rendered).
  const step = useState<MfaStep | null>('aegis:mfa-step', () => null)
  const lazyMfa = () => client.lazy.mfa()
  /** 'mfa_required' (keeping the step) or 'authenticated' for a login's answer. */
  const outcome = async (answer: unknown): Promise<'authenticated' | 'mfa_required' | undefined> => {
    const { isMfaStep } = await lazyMfa()
    if (isMfaStep(answer)) {
      step.value = answer
      return 'mfa_required'
    }
    return typeof (answer as { token?: unknown })?.token === 'string' ? 'authenticated' : undefined
  }

  return {
    user: computed(() => state.value.user as T | null),
    status: computed(() => state.value.status),
    isLoggedIn: computed(() => state.value.status === 'authenticated'),
    isLoading: computed(() => state.value.status === 'unknown'),
    async login(provider, options = {}) {
      if (options.link) {
        const { startLink } = await client.lazy.accounts()
        await navigateTo(await startLink(client, config.authPath, provider, options.redirectTo), { external: true })
        return 'redirected'
      }
      const query = new URLSearchParams(options.params)
      if (options.redirectTo) query.set('redirectTo', options.redirectTo)
      const search = query.toString()
      const url = `${config.authPath}/${encodeURIComponent(provider)}${search ? `?${search}` : ''}`
      // Opened before any await: browsers allow popups only while the click is being handled.
      const popup = options.popup && import.meta.client ? openLoginPopup(url) : null
      if (popup) {
        // The rest of the popup login is a lazy chunk, loaded while the popup shows the provider.
        const outcome = await client.waitForLoginPopup(popup)
        if (outcome.result === 'cancelled') return 'cancelled'
        client.receive(outcome.session)
        if (outcome.redirectTo) await navigateTo(outcome.redirectTo)
        return 'authenticated'
      }
      await navigateTo(url, { external: true })
      return 'redirected'
    },
    async logout(options = {}) {
      await client.logout({ everywhere: options.everywhere })
      await navigateTo(options.redirectTo ?? config.redirect.logout)
    },
    async refresh(options = {}) {
      return (await client.refresh(undefined, { updateClaims: options.updateClaims === true })) !== null
    },
    async loginWithPassword(credentials) {
      const step = 'code' in credentials ? 'login/code' : 'login'
      const answer = await client.signIn<{ token?: string, status?: string }>(`${config.authPath}/password/${step}`, { ...credentials })
      if (typeof answer.token === 'string') return 'authenticated'
      return answer.status === 'mfa_required' ? (await outcome(answer))! : 'code_required'
    },
    async loginWithCredentials(path, credentials) {
      await client.signIn(path, credentials)
    },
    email: {
      async start(email) {
        const { startEmailLogin } = await client.lazy.email()
        await startEmailLogin(client, config.authPath, email)
      },
      async verify(input) {
        const { verifyEmailLogin } = await client.lazy.email()
        return (await outcome(await verifyEmailLogin(client, config.authPath, input))) ?? 'authenticated'
      },
    },
    mfa: {
      pending: computed(() => step.value),
      async verify(factor, stepToken) {
        const token = stepToken ?? step.value?.stepToken
        if (!token) throw new Error('mfa.verify: no login is waiting for a second factor')
        const { verifyMfa } = await lazyMfa()
        await verifyMfa(client, config.authPath, token, factor)
        step.value = null
        return 'authenticated'
      },
      enroll: async () => (await lazyMfa()).enrollTotp(client, config.authPath),
      confirm: async code => (await lazyMfa()).confirmTotp(client, config.authPath, code),
      disable: async factor => (await lazyMfa()).disableTotp(client, config.authPath, factor),
      status: async () => (await lazyMfa()).mfaStatus(client, config.authPath),
    },
    fetch: (url, options) => client.fetch(url, options),
    // The session list and impersonation are lazy chunks of the client: only pages that use them download them.
    sessions: () => client.sessions(),
    async revokeSession(id) {
      const { current } = await client.revokeSession(id)
      if (current) await navigateTo(config.redirect.logout)
    },
    revokeOtherSessions: () => client.revokeOtherSessions(),
    impersonating: computed(() => actorOf(state.value.user) !== null),
    actor: computed(() => actorOf(state.value.user)),
    impersonate: (sub, options = {}) => client.impersonate(sub, options.reason),
    stopImpersonation: () => client.stopImpersonation(),
    identities: async () => (await client.lazy.accounts()).listIdentities(client, config.authPath),
    unlinkIdentity: async identity => (await client.lazy.accounts()).unlinkIdentity(client, config.authPath, identity),
    passkey: {
      register: options => client.passkey().then(api => api.register(options)),
      login: options => client.passkey().then(api => api.login(options)),
      list: () => client.passkey().then(api => api.list()),
      remove: id => client.passkey().then(api => api.remove(id)),
      supported: () => client.passkey().then(api => api.supported()),
    },
  }
}

/** The `act` claim of the user's token, when it is a well-formed one. */
function actorOf(user: Record<string, unknown> | null): ImpersonationActor | null {
  const act = user?.act as ImpersonationActor | undefined
  return act && typeof act === 'object' && typeof act.sub === 'string' ? act : null
}
