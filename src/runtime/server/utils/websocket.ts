import { defineWebSocketHandler } from 'h3'
import type { AegisClaims } from '../../types'
import { upgradeToken, WEBSOCKET_TOKEN_PROTOCOL } from '../websocket/websocket-token'
import { createPeerRegistry, TOKEN_EXPIRED_CLOSE_CODE } from '../websocket/websocket-expiry'
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

/** Every authenticated peer of this process, closed at its token's `exp`. */
const peers = createPeerRegistry<AegisClaims>()

/**
 * A Nitro WebSocket handler (`defineWebSocketHandler`) that only opens for a valid access token,
 * checked at upgrade exactly like route protection checks Bearer tokens. The verified claims are
 * on `peer.context.user` (see `getWebSocketUser`). At the token's `exp` the server closes the
 * socket with 4401, whether or not the client speaks, so the client reconnects with a fresh token.
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
    async open(peer) {
      const user = getWebSocketUser(peer)
      // Expired between upgrade and open: closed already, the app's hook never sees it.
      if (user && !peers.track(peer, user)) return
      return hooks.open?.(peer)
    },
    async message(peer, message) {
      // The timer closes at `exp`; this also covers a message racing it.
      const user = getWebSocketUser(peer)
      if (!user || (typeof user.exp === 'number' && user.exp * 1000 <= Date.now())) {
        peer.close(TOKEN_EXPIRED_CLOSE_CODE, 'token expired')
        return
      }
      return hooks.message?.(peer, message)
    },
    async close(peer, details) {
      peers.untrack(peer)
      return hooks.close?.(peer, details)
    },
    async error(peer, error) {
      peers.untrack(peer)
      return hooks.error?.(peer, error)
    },
  })
}

/** The verified claims of an authenticated WebSocket peer. */
export function getWebSocketUser(peer: Peer): AegisClaims | undefined {
  return peer.context.user as AegisClaims | undefined
}
