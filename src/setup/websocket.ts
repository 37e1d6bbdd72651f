import { addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'

/** Authenticated WebSockets: the server utils. */
export function setupWebSocket({ resolver }: SetupContext) {
  addServerImports([
    ...['defineAuthenticatedWebSocketHandler', 'getWebSocketUser', 'WEBSOCKET_TOKEN_PROTOCOL'].map(name => ({ name, from: resolver.resolve('./runtime/server/utils/websocket') })),
  ])
}
