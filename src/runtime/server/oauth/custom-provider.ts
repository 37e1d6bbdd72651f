/**
 * Custom providers, importable from `#nuxt-aegis/server/providers`. A provider is a
 * declaration on the shared engine: state, PKCE, nonce, ID token validation, timeouts and
 * errors are not yours to write.
 */
import type { EventHandler } from 'h3'
import type { AegisProfile, OAuthHandlerOptions } from '../../types'
import { createOAuthEventHandler } from './login'
import type { EngineContext, OAuthProviderDefinition, ProfileInput, ProviderConfig, ProviderEndpoints } from './types'

export type { EngineContext, OAuthProviderDefinition, ProfileInput, ProviderConfig, ProviderEndpoints }
export { pick } from './profile'

/** Options of a custom provider's route: `config` (clientId, clientSecret, scopes ...) is required. */
export type CustomProviderHandlerOptions = OAuthHandlerOptions<ProviderConfig> & { config: ProviderConfig }

/**
 * Declares a provider and returns its `define<...>EventHandler`:
 * `export default defineOAuthProvider({ name: 'acme', issuer: () => 'https://id.acme.example', ... })({ config: { clientId, clientSecret } })`.
 */
export function defineOAuthProvider(definition: OAuthProviderDefinition): (options: CustomProviderHandlerOptions) => EventHandler {
  if (!/^[a-z][\w-]{0,40}$/i.test(definition.name)) throw new Error(`[nuxt-aegis] defineOAuthProvider: invalid provider name "${definition.name}"`)
  return options => createOAuthEventHandler(definition, options as OAuthHandlerOptions)
}

/**
 * The class form of a custom provider: extend it, set `name`, `defaultScopes`, `issuer` or
 * `endpoints`, implement `profile`, then `export default new AcmeProvider().eventHandler({ config })`.
 */
export abstract class OAuthBaseProvider implements OAuthProviderDefinition {
  // `declare`: no own property that would hide a subclass's method of the same name.
  abstract readonly name: string
  abstract readonly defaultScopes: string[]
  declare issuer?: (config: ProviderConfig) => string
  declare endpoints?: (config: ProviderConfig, ctx: EngineContext) => ProviderEndpoints
  declare openid?: boolean
  declare userinfo?: boolean
  declare tokenEndpointAuth?: OAuthProviderDefinition['tokenEndpointAuth']
  declare authorizationParams?: (config: ProviderConfig) => Record<string, string>
  declare resources?: (config: ProviderConfig) => Record<string, string>
  declare checkClaims?: (claims: Record<string, unknown>, config: ProviderConfig) => string | undefined

  abstract profile(input: ProfileInput): AegisProfile & Record<string, unknown>

  eventHandler(options: CustomProviderHandlerOptions): EventHandler {
    // The engine reads the declaration as a plain object: bind the methods it calls.
    const definition: OAuthProviderDefinition = {
      name: this.name,
      defaultScopes: this.defaultScopes,
      issuer: this.issuer?.bind(this),
      endpoints: this.endpoints?.bind(this),
      openid: this.openid,
      userinfo: this.userinfo,
      tokenEndpointAuth: this.tokenEndpointAuth,
      authorizationParams: this.authorizationParams?.bind(this),
      resources: this.resources?.bind(this),
      checkClaims: this.checkClaims?.bind(this),
      profile: input => this.profile(input),
    }
    return defineOAuthProvider(definition)(options)
  }
}
