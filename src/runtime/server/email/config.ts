import { envName } from '../context/config-names'
import { codeProblems } from '../password/config'
import type { PasswordConfigContext, PasswordConfigShape } from '../password/config'
import { safeRedirectPath } from '../protection/redirects'

export interface EmailConfigShape extends Pick<PasswordConfigShape, 'code' | 'rateLimit'> {
  enabled?: unknown
  links?: { login?: unknown }
}

const named = (path: string) => `nuxtAegis.providers.email.${path} (${envName(`aegisEmail.${path}`)})`

/**
 * The shortest email code allowed: a code alone signs in, and with the default limits a
 * 6-digit one falls to a patient attacker (docs/email-login.md, "Security notes", has the sums).
 */
export const EMAIL_CODE_MIN_DIGITS = 8

/**
 * True for a page path the emailed link may point to: a same-origin path as the redirect rules
 * accept it (no `//`, scheme, backslash, `@`, encoded slash or control character), already in
 * its normal form, with no fragment (the token is appended as a query parameter).
 */
export function isLinkPagePath(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('#') && safeRedirectPath(value) === value
}

/** Problems with `providers.email` that must stop the server; messages name the option and env var. */
export function emailConfigProblems(config: EmailConfigShape, context: PasswordConfigContext): string[] {
  const problems: string[] = []
  const login = config.links?.login ?? ''
  // The link goes out in mail with a live token: it must lead to a page of this site, nowhere else.
  if (login !== '' && !isLinkPagePath(login)) {
    problems.push(`${named('links.login')} must be a path on this site starting with "/" (no "//", scheme, backslash, "@", "#", dot segments or encoded slashes), or empty for no link`)
  }
  // A link built from the Host header would point wherever the requester says.
  else if (context.production && !context.siteOrigin && login) {
    problems.push(`${named('links.login')} needs nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) in production: emailed links are never built from the Host header`)
  }
  problems.push(...codeProblems(named, config, EMAIL_CODE_MIN_DIGITS))
  return problems
}
