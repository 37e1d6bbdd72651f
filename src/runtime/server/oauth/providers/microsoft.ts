import type { OAuthProviderDefinition, ProviderConfig } from '../types'
import { pick } from '../profile'

const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
const MULTI_TENANT = new Set(['common', 'organizations', 'consumers'])
const LOGIN = 'https://login.microsoftonline.com'

const tenantOf = (config: ProviderConfig) => String(config.tenant || 'common')

/**
 * Microsoft Entra ID (OpenID Connect, v2 endpoints). `tenant` is `common`, `organizations`,
 * `consumers` or a tenant id / domain. Multi-tenant ID tokens carry their tenant in `tid`: the
 * expected issuer is the template filled with it. The subject is the ID token `sub`; `tid` and
 * `oid` are kept next to it.
 */
export const microsoftProvider: OAuthProviderDefinition = {
  name: 'microsoft',
  openid: true,
  // The ID token has the profile; Graph's userinfo needs a Graph token and adds nothing.
  userinfo: false,
  defaultScopes: ['openid', 'profile', 'email'],
  // Entra issues a refresh token only for offline_access.
  refreshRequest: { scopes: ['offline_access'] },
  endpoints: (config) => {
    const tenant = encodeURIComponent(tenantOf(config))
    return {
      issuer: `${LOGIN}/{tenantid}/v2.0`,
      authorization: `${LOGIN}/${tenant}/oauth2/v2.0/authorize`,
      token: `${LOGIN}/${tenant}/oauth2/v2.0/token`,
      jwks: `${LOGIN}/${tenant}/discovery/v2.0/keys`,
    }
  },
  expectedIssuer: (claims, config) => {
    const tid = claims.tid
    if (typeof tid !== 'string' || !GUID.test(tid)) return undefined
    const tenant = tenantOf(config)
    // A single-tenant app only accepts its own tenant (when configured by id).
    if (!MULTI_TENANT.has(tenant) && GUID.test(tenant) && tenant.toLowerCase() !== tid.toLowerCase()) return undefined
    return `${LOGIN}/${tid}/v2.0`
  },
  profile: ({ claims = {} }) => ({
    ...pick(claims, ['tid', 'oid', 'preferred_username']),
    sub: claims.sub as string,
    email: claims.email as string | undefined,
    // Entra does not assert that `email` is verified: never treat it as such.
    email_verified: false,
    name: claims.name as string | undefined,
  }),
}
