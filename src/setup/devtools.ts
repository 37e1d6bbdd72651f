import { addServerHandler, addServerPlugin } from '@nuxt/kit'
import { addCustomTab } from '@nuxt/devtools-kit'
import type { SetupContext } from './context'

/** The page of the DevTools tab and its data routes, under `<authPath>` (exempt from route protection). */
export const DEVTOOLS_PATH = '/_devtools'

/**
 * A Nuxt DevTools tab, in `nuxi dev` only: nothing of it is in a build. The tab is an iframe
 * of `<authPath>/_devtools`, whose routes answer only on the dev server.
 */
export function setupDevtools({ nuxt, resolver, authPath }: SetupContext) {
  if (!nuxt.options.dev) return
  const base = `${authPath}${DEVTOOLS_PATH}`
  const route = (path: string, file: string) => addServerHandler({ route: `${base}${path}`, method: 'get', handler: resolver.resolve(`./runtime/server/devtools/routes/${file}`) })
  route('', 'page.get')
  route('/state', 'state.get')
  route('/route', 'route.get')
  route('/events', 'events.get')
  addServerPlugin(resolver.resolve('./runtime/server/devtools/plugin'))
  addCustomTab({
    name: 'nuxt-aegis',
    title: 'Aegis',
    icon: 'carbon:security',
    view: { type: 'iframe', src: base },
  }, nuxt)
}
