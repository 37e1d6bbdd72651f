import { addServerHandler, addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'
import { addPostRoute } from './core'

/**
 * Accounts (several sign-in methods per user): POST `<authPath>/link/:provider`, GET
 * `<authPath>/identities`, POST `<authPath>/unlink` and `defineAccounts`. The routes answer 404
 * until the app registers its callbacks with `defineAccounts` (a Nitro plugin).
 */
export function setupAccounts(ctx: SetupContext) {
  const { resolver, authPath } = ctx
  addPostRoute(ctx, '/link/:provider', 'accounts/routes/link.post')
  addPostRoute(ctx, '/unlink', 'accounts/routes/unlink.post')
  addServerHandler({ route: `${authPath}/identities`, method: 'get', handler: resolver.resolve('./runtime/server/accounts/routes/identities.get') })
  addServerImports([{ name: 'defineAccounts', from: resolver.resolve('./runtime/server/utils/accounts') }])
}
