/** One entry of Nitro's handler table (`#nitro-internal-virtual/server-handlers`). */
export interface NitroHandlerEntry {
  route: string
  handler: unknown
  middleware?: boolean
}

/**
 * The router paths at which the page renderer answers. Nitro registers it at `/**` (last in
 * the table) and again at every path of a route rule with a cache (`'/dashboard': { swr: 60 }`)
 * or nested under one, so that path gets its own cache wrapper: the same handler, another route.
 * A server route at such a path is another handler and stays out.
 */
export function rendererRoutes(handlers: readonly NitroHandlerEntry[]): Set<string> {
  const routes = new Set(['/**'])
  const renderer = handlers.findLast(entry => entry.route === '/**' && !entry.middleware)?.handler
  if (renderer === undefined) return routes
  for (const entry of handlers) {
    if (!entry.middleware && entry.handler === renderer && entry.route) routes.add(entry.route)
  }
  return routes
}
