/** Options of impersonation (`nuxtAegis.impersonation`): an allowed user acts as another for a short while. */
export interface ImpersonationOptions {
  /**
   * Allow `startImpersonation` and `POST <authPath>/impersonate`. Off by default; even on, every
   * impersonation needs a `nuxt-aegis:canImpersonate` handler that allows it.
   * @default process.env.NUXT_AEGIS_IMPERSONATION_ENABLED (false)
   */
  enabled?: boolean
  /**
   * Lifetime of an impersonation access token, in seconds or as `'15m'`; never longer than
   * `token.expiresIn`. There is no refresh token: when it ends, the actor is back.
   * @default process.env.NUXT_AEGIS_IMPERSONATION_EXPIRES_IN ('15m')
   */
  expiresIn?: string | number
}

export const impersonationDefaults = { enabled: false, expiresIn: '15m' as string | number }
