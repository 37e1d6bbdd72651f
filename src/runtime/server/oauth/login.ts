import type { H3Event } from 'h3'
import { defineEventHandler, deleteCookie, getCookie, getQuery, parseCookies, sendRedirect, setCookie, setResponseHeader } from 'h3'
import { defu } from 'defu'
import type { AegisUser, OAuthHandlerOptions } from '../../types'
import { resolveCustomClaims } from '../tokens/claims'
import { randomToken, sha256 } from '../core/crypto'
import { AegisError, isAegisError, log, sendError } from '../core/errors'
import { authorizationEndpoint, authorizationUrl, completeLogin, providerErrorCode, single } from './engine'
import { createTransaction, TRANSACTION_COOKIE_PREFIX, TRANSACTION_TTL_SECONDS, transactionCookieName } from './transaction'
import type { OAuthProviderDefinition, ProviderConfig } from './types'
import { safeRedirectPath } from '../protection/redirects'
import { fromTokenResponse, keepsTokens, sealForHandoff, warnKeepTokens } from '../sessions/provider-tokens'
import { loginCookieAttributes, setHandoffCookie } from '../context/cookies'
import { callAegisHook, runUserInfoHooks } from '../context/hooks'
import { engineContext, providerFetch, registerOAuthProvider, registerProviderHandler, useAegis } from '../context/services'
import { completeLink, identityOf, resolveAccountUser, takeLinkIntent, useAccounts } from '../accounts/login'

/**
 * The one event handler behind every provider route: without `code`/`state`/`error` it
 * starts a login, otherwise it is the provider's callback. Provider specifics come from the
 * declaration; state, PKCE, errors and the hand-off to the callback page are done here once.
 */
export function createOAuthEventHandler(def: OAuthProviderDefinition, options: OAuthHandlerOptions = {}) {
  registerProviderHandler(def.name, options)
  registerOAuthProvider(def)
  return defineEventHandler(async (event) => {
    const config = providerConfig(def, options)
    if (!config || (def.isEnabled && !def.isEnabled(config))) {
      return sendError(event, new AegisError(404, 'provider_disabled', `provider ${def.name} is not enabled`))
    }
    const query = getQuery(event)
    if (query.code === undefined && query.state === undefined && query.error === undefined) {
      try {
        return await startLogin(event, def, config, query)
      }
      catch (error) {
        return failLogin(event, def, options, error)
      }
    }
    return handleCallback(event, def, config, query, options)
  })
}

/** A provider's settings: nuxt.config (and env) under the route's `config`; undefined without a client id. */
export function providerConfig(def: OAuthProviderDefinition, options: OAuthHandlerOptions): ProviderConfig | undefined {
  const base = useAegis().config.providers[def.name]
  // Custom providers are not in nuxt.config: their route's `config` is their configuration.
  const merged = base ? defu(options.config ?? {}, base) : options.config
  return (merged && typeof merged.clientId === 'string' && merged.clientId ? merged : undefined) as ProviderConfig | undefined
}

const MAX_PENDING_LOGINS = 3

/**
 * In production `redirect_uri` must come from configuration (`siteUrl`): the Host header is
 * the attacker's to choose. Only dev, and the in-process mock, may use the request's origin.
 */
function assertTrustedOrigin(def: OAuthProviderDefinition): void {
  if (def.local || import.meta.dev || useAegis().siteOrigin) return
  throw new AegisError(500, 'login_failed', `set nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL): ${def.name} needs a configured redirect_uri origin in production`)
}

async function startLogin(event: H3Event, def: OAuthProviderDefinition, config: ProviderConfig, query: Record<string, unknown>) {
  const aegis = useAegis()
  assertTrustedOrigin(def)
  const ctx = engineContext(event)
  // Discover first: a failing provider leaves no transaction cookie behind.
  const endpoint = await authorizationEndpoint(def, config, ctx, providerFetch(def, config, ctx))
  // A link (login(provider, { link: true })): only with this browser's intent, never a plain login instead.
  const link = query.link === undefined ? undefined : takeLinkIntent(event, def.name, query.link)
  const requested = link ? link.redirectTo : query.redirectTo
  const redirectTo = safeRedirectPath(requested)
  if (requested !== undefined && !redirectTo) log.debug(`login ${def.name}: unsafe redirectTo ignored`)
  const tx = createTransaction(def.name, redirectTo)
  if (link) tx.link = { sub: link.sub, sid: link.sid }
  const attributes = loginCookieAttributes(event, def.name)
  // Abandoned attempts must not pile up until the Cookie header is too large: keep the newest few.
  const pending = Object.keys(parseCookies(event)).filter(name => name.startsWith(TRANSACTION_COOKIE_PREFIX))
  for (const name of pending.slice(0, Math.max(0, pending.length - MAX_PENDING_LOGINS + 1))) deleteCookie(event, name, attributes)
  setCookie(event, transactionCookieName(tx.state), aegis.transactions.seal(tx), { ...attributes, maxAge: TRANSACTION_TTL_SECONDS })
  const forwarded: Record<string, string> = {}
  for (const name of def.forwardParams ?? []) {
    if (typeof query[name] === 'string') forwarded[name] = query[name] as string
  }
  setResponseHeader(event, 'cache-control', 'no-store')
  return sendRedirect(event, authorizationUrl(def, config, tx, ctx, endpoint, forwarded), 302)
}

async function handleCallback(event: H3Event, def: OAuthProviderDefinition, config: ProviderConfig, query: Record<string, unknown>, options: OAuthHandlerOptions) {
  const aegis = useAegis()
  const { authPath } = aegis.config.endpoints
  setResponseHeader(event, 'cache-control', 'no-store')
  setResponseHeader(event, 'referrer-policy', 'no-referrer')
  try {
    const state = single(query, 'state')
    const code = single(query, 'code')
    const error = single(query, 'error')
    const iss = single(query, 'iss')
    if (!state) throw new AegisError(400, 'invalid_state', 'callback without state')
    const cookieName = transactionCookieName(state)
    const sealed = getCookie(event, cookieName)
    if (sealed) deleteCookie(event, cookieName, loginCookieAttributes(event, def.name))
    const tx = aegis.transactions.open(sealed, state, def.name)
    if (!tx) throw new AegisError(400, 'invalid_state', 'no matching transaction for this state (missing, expired, tampered or for another provider)')
    const stateKey = sha256(state)
    if (aegis.usedStates.get(stateKey)) throw new AegisError(400, 'invalid_state', 'transaction already used')
    aegis.usedStates.set(stateKey, true, TRANSACTION_TTL_SECONDS * 1000)
    if (error !== undefined) throw new AegisError(400, providerErrorCode(error), `provider ${def.name} answered error=${error.slice(0, 40).replace(/[^\w.-]/g, '?')}`)
    if (!code) throw new AegisError(400, 'login_failed', 'callback without code')

    assertTrustedOrigin(def)
    const callback = new URLSearchParams({ state, code })
    if (iss !== undefined) callback.set('iss', iss)
    const ctx = engineContext(event)
    const result = await completeLogin(def, config, tx, callback, ctx, providerFetch(def, config, ctx))
    const tokens = result.tokens
    let user: AegisUser = { ...result.profile, provider: def.name }
    user = (await options.onUserInfo?.(user, tokens, event)) ?? user
    const accounts = useAccounts()
    if (tx.link) {
      if (!accounts) throw new AegisError(400, 'link_failed', 'link callback without defineAccounts')
      await completeLink(accounts, event, tx.link, def.name, result.profile, user)
      return sendRedirect(event, result.redirectTo ?? aegis.config.redirect.success, 302)
    }
    user = await runUserInfoHooks({ user, tokens, provider: def.name, event })
    // Hooks may map the user (another `sub`: the app's own id), never move it to another
    // provider: sessions, refresh claims and the per-user index go by the route's provider.
    user = { ...user, provider: def.name }
    // The identity is what the provider proved (its subject, its email and verified flag), not what hooks made of it.
    if (accounts) user = await resolveAccountUser(accounts, identityOf(def.name, result.profile, user), user, event)
    const claims = await resolveCustomClaims(options.customClaims, user, tokens)
    const binding = randomToken(32)
    const keeps = keepsTokens(config)
    if (keeps) warnKeepTokens([def.name], { sessions: aegis.config.tokenRefresh.enabled, encrypted: aegis.config.encryption.enabled, production: process.env.NODE_ENV === 'production' })
    const kept = keeps && aegis.config.tokenRefresh.enabled ? fromTokenResponse(def.name, tokens, Date.now()) : undefined
    const handoff = await aegis.codes.issue({
      user, claims, redirectTo: result.redirectTo, binding: sha256(binding),
      providerTokens: kept && sealForHandoff(binding, kept),
    })
    setHandoffCookie(event, handoff, binding)
    await callAegisHook('nuxt-aegis:success', { user, tokens, provider: def.name, event })
    await options.onSuccess?.({ user, provider: def.name, tokens, event })
    return sendRedirect(event, `${authPath}/callback?code=${handoff}`, 302)
  }
  catch (error) {
    return failLogin(event, def, options, error)
  }
}

/** Every failed login ends the same way: a fixed code on `redirect.error`, details in the log only. */
async function failLogin(event: H3Event, def: OAuthProviderDefinition, options: OAuthHandlerOptions, error: unknown) {
  const aegis = useAegis()
  setResponseHeader(event, 'cache-control', 'no-store')
  const failure = isAegisError(error) ? error : new AegisError(500, 'login_failed', error instanceof Error ? error.message : String(error))
  log.warn(`login with ${def.name} failed: ${failure.code}`)
  if (failure.detail) log.debug(`login with ${def.name}: ${failure.detail}`)
  try {
    await options.onError?.({ code: failure.code, message: failure.message }, event)
  }
  catch (hookError) {
    log.error('onError handler threw:', hookError instanceof Error ? hookError.message : String(hookError))
  }
  return sendRedirect(event, `${aegis.config.redirect.error}?error=${failure.code}`, 302)
}
