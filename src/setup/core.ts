import { addServerHandler, addServerPlugin } from '@nuxt/kit'
import type { SetupContext } from './context'

/** The types alias `#nuxt-aegis` and the start-up plugin (validates the runtime config, builds the services). */
export function setupCore({ nuxt, resolver }: SetupContext) {
  nuxt.options.alias['#nuxt-aegis'] = resolver.resolve('./runtime/types')
  addServerPlugin(resolver.resolve('./runtime/server/context/startup'))
}

/**
 * A POST-only endpoint under `<authPath>`: the handler for POST, and a 405 for every other
 * method (registered without a method: the router uses it for every method but POST).
 */
export function addPostRoute({ resolver, authPath }: SetupContext, path: string, file: string) {
  addServerHandler({ route: `${authPath}${path}`, method: 'post', handler: resolver.resolve(`./runtime/server/${file}`) })
  addServerHandler({ route: `${authPath}${path}`, handler: resolver.resolve('./runtime/server/core/routes/method-not-allowed') })
}
