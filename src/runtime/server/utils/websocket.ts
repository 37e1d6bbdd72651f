import { defineWebSocketHandler } from 'h3'
import type { AegisClaims } from '../../types'
import { upgradeToken, WEBSOCKET_TOKEN_PROTOCOL } from '../websocket/websocket-token'
import { useAegis } from '../context/services'

type Hooks = NonNullable<Parameters<typeof defineWebSocketHandler>[0]>
type Peer = Parameters<NonNullable<Hooks['open']>>[0]

export { upgradeToken, WEBSOCKET_TOKEN_PROTOCOL }

function refuse(error: 'unauthorized' | 'invalid_token'): Response {
  return new Response(JSON.stringify({ error, message: 'Authentication required.' }), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'cache-control': 'no-store' },
  })
}

/**
 * A Nitro WebSocket handler (`defineWebSocketHandler`) that only opens for a valid access token,
 * checked at upgrade exactly like route protection checks Bearer tokens. The verified claims are
 * on `peer.context.user` (see `getWebSocketUser`); messages after the token's `exp` close the
 * socket with 4401 so the client reconnects with a fresh token.
 */
export function defineAuthenticatedWebSocketHandler(hooks: Partial<Hooks>) {
  return defineWebSocketHandler({
    ...hooks,
    async upgrade(request) {
      const token = upgradeToken(request.headers)
      if (!token) throw refuse(token === null ? 'invalid_token' : 'unauthorized')
      const claims = await useAegis().tokens.verify(token)
      if (!claims) throw refuse('invalid_token')
      request.context.user = { ...claims }
      return hooks.upgrade?.(request)
    },
    async message(peer, message) {
      const user = getWebSocketUser(peer)
      if (!user || (typeof user.exp === 'number' && user.exp * 1000 <= Date.now())) {
        peer.close(4401, 'token expired')
        return
      }
      return hooks.message?.(peer, message)
    },
  })
}

/** The verified claims of an authenticated WebSocket peer. */
export function getWebSocketUser(peer: Peer): AegisClaims | undefined {
  return peer.context.user as AegisClaims | undefined
}
