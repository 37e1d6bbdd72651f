import type { H3Event } from 'h3'
import { deleteCookie, getCookie, setCookie } from 'h3'
import { deriveKey, randomToken, safeEqual, seal, unseal } from '../core/crypto'
import { AegisError } from '../core/errors'
import { loginCookieAttributes } from '../context/cookies'
import { useAegis } from '../context/services'

/**
 * A link in progress: who started it (the user's `sub` and session `sid`, from a valid access
 * token on a same-origin POST) and for which provider. Sealed into an HttpOnly cookie of the
 * browser that started it, and named by a nonce in the login URL: a link URL opened in another
 * browser, or a link start forged by another site, finds no intent and fails.
 */
export interface LinkIntent {
  sub: string
  sid: string
  provider: string
  nonce: string
  redirectTo?: string
  expiresAt: number
}

export const LINK_COOKIE = 'nuxt-aegis-link'
export const LINK_TTL_SECONDS = 600

const sealer = () => deriveKey(useAegis().serverSecret, 'account-link')

export function startLinkIntent(event: H3Event, intent: Omit<LinkIntent, 'nonce' | 'expiresAt'>): LinkIntent {
  const full: LinkIntent = { ...intent, nonce: randomToken(24), expiresAt: Date.now() + LINK_TTL_SECONDS * 1000 }
  setCookie(event, LINK_COOKIE, seal(sealer(), JSON.stringify(full), LINK_COOKIE), { ...loginCookieAttributes(event, intent.provider), maxAge: LINK_TTL_SECONDS })
  return full
}

/**
 * Takes the intent of this browser for `provider` and the URL's `nonce` (single use: the cookie
 * is cleared), or throws `link_failed`. Never falls back to a plain login.
 */
export function takeLinkIntent(event: H3Event, provider: string, nonce: unknown): LinkIntent {
  const sealed = getCookie(event, LINK_COOKIE)
  if (sealed) deleteCookie(event, LINK_COOKIE, loginCookieAttributes(event, provider))
  const json = sealed ? unseal(sealer(), sealed, LINK_COOKIE) : undefined
  let intent: LinkIntent | undefined
  try {
    intent = json ? JSON.parse(json) as LinkIntent : undefined
  }
  catch {
    intent = undefined
  }
  if (!intent || typeof nonce !== 'string' || !safeEqual(intent.nonce, nonce)) throw new AegisError(400, 'link_failed', 'link start without this browser\'s link intent (other browser, expired, or forged)')
  if (intent.provider !== provider || !(intent.expiresAt > Date.now())) throw new AegisError(400, 'link_failed', 'link intent for another provider or expired')
  return intent
}
