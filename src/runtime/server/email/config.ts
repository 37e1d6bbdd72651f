import { envName } from '../context/config-names'
import { codeProblems } from '../password/config'
import type { PasswordConfigContext, PasswordConfigShape } from '../password/config'

export interface EmailConfigShape extends Pick<PasswordConfigShape, 'code' | 'rateLimit'> {
  enabled?: unknown
  links?: { login?: unknown }
}

const named = (path: string) => `nuxtAegis.providers.email.${path} (${envName(`aegisEmail.${path}`)})`

/** Problems with `providers.email` that must stop the server; messages name the option and env var. */
export function emailConfigProblems(config: EmailConfigShape, context: PasswordConfigContext): string[] {
  const problems: string[] = []
  // A link built from the Host header would point wherever the requester says.
  if (context.production && !context.siteOrigin && config.links?.login) {
    problems.push(`${named('links.login')} needs nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) in production: emailed links are never built from the Host header`)
  }
  problems.push(...codeProblems(named, config))
  return problems
}
