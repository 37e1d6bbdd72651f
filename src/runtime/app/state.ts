import type { AegisClaims } from '../types'

/** What the app knows about the session. `unknown` until the first check has finished. */
export type AuthStatus = 'unknown' | 'authenticated' | 'guest'

/** Serializable auth state (it may travel in the payload): never a token. */
export interface AuthState {
  user: AegisClaims | null
  status: AuthStatus
}

export const STATE_KEY = 'nuxt-aegis:state'

/**
 * The login popup's window name: with a same-origin opener, it tells the callback page it runs in
 * a login popup. Here (in the base bundle already) so the popup's lazy chunk adds no shared chunk.
 */
export const POPUP_NAME = 'nuxt-aegis-login'

export interface PublicAegisConfig {
  authPath: string
  userInfoPath: string
  redirect: { login: string, logout: string, success: string, error: string }
  tokenRefresh: { enabled: boolean, automaticRefresh: boolean, cookieName: string }
  routeProtection: { protectedRoutes: string[], publicRoutes: string[] }
  providers: string[]
  /** Origins besides this one whose APIs receive the access token. */
  apiOrigins: string[]
}
