import { addServerHandler } from '@nuxt/kit'
import type { SetupContext } from './context'

/** Access tokens: GET `<authPath>/jwks`. */
export function setupTokens({ resolver, authPath }: SetupContext) {
  // Always registered: the algorithm can change at run time (NUXT_AEGIS_TOKEN_ALGORITHM); 404 for HS256.
  addServerHandler({ route: `${authPath}/jwks`, method: 'get', handler: resolver.resolve('./runtime/server/tokens/routes/jwks.get') })
}
