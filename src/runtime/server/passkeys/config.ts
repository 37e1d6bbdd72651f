import { envName } from '../context/config-names'

export interface PasskeyConfigShape {
  enabled?: unknown
  rpName?: unknown
  userVerification?: unknown
  challengeTtl?: unknown
  rateLimit?: Record<string, Record<string, { limit?: unknown, window?: unknown } | undefined> | undefined>
}

/** `nuxtAegis.providers.passkey.<path> (NUXT_AEGIS_PASSKEY_...)`: the settings sit at `runtimeConfig.aegisPasskey`. */
const named = (path: string) => `nuxtAegis.providers.passkey.${path} (${envName(`aegisPasskey.${path}`)})`

const positiveInt = (value: unknown) => Number.isSafeInteger(Number(value)) && Number(value) > 0

/**
 * The relying party of passkeys: its ID is the host name of `siteUrl` (the registrable domain
 * the credentials are scoped to) and the only origin accepted in `clientDataJSON` is its origin.
 * An IP address cannot be an RP ID (browsers refuse it).
 */
export function relyingPartyOf(siteOrigin: string): { rpID: string, origin: string } | undefined {
  if (!siteOrigin) return undefined
  const url = new URL(siteOrigin)
  return { rpID: url.hostname, origin: url.origin }
}

/**
 * Problems with the passkey settings that must stop the server. In production the relying
 * party comes only from `siteUrl`: taken from the Host header, a request could name any RP ID.
 */
export function passkeyConfigProblems(config: PasskeyConfigShape, context: { production: boolean, siteOrigin: string }): string[] {
  const problems: string[] = []
  if (context.production && !context.siteOrigin) {
    problems.push('nuxtAegis.providers.passkey needs nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) in production: the passkeys\' RP ID and origin come from it, never from the Host header')
  }
  if (context.siteOrigin) {
    const host = new URL(context.siteOrigin).hostname
    if (/^[\d.]+$/.test(host) || host.startsWith('[')) problems.push(`nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL) is an IP address (${host}): passkeys need a domain name as RP ID (use localhost in development)`)
  }
  if (!['required', 'preferred', 'discouraged'].includes(String(config.userVerification))) {
    problems.push(`${named('userVerification')} must be 'required', 'preferred' or 'discouraged'`)
  }
  if (typeof config.rpName !== 'string' || !config.rpName.trim() || config.rpName.length > 64) {
    problems.push(`${named('rpName')} must be a non-empty string of at most 64 characters`)
  }
  if (!positiveInt(config.challengeTtl) || Number(config.challengeTtl) < 30 || Number(config.challengeTtl) > 600) {
    problems.push(`${named('challengeTtl')} must be between 30 and 600 seconds`)
  }
  // A zero or unreadable limit would silently mean "no limit": fail closed instead.
  for (const [bucket, pair] of Object.entries(config.rateLimit ?? {})) {
    for (const [side, rule] of Object.entries(pair ?? {})) {
      if (!rule) continue
      for (const field of ['limit', 'window'] as const) {
        if (!positiveInt(rule[field])) problems.push(`${named(`rateLimit.${bucket}.${side}.${field}`)} must be a whole number above 0`)
      }
    }
  }
  return problems
}
