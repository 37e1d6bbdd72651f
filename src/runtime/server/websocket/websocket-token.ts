import { parseBearer } from '../tokens/tokens'

/**
 * The subprotocol that carries the access token from browsers, which cannot set headers on a
 * WebSocket: `new WebSocket(url, ['aegis.bearer', token])`. The server answers with this name
 * only (the first offered), never with the token.
 */
export const WEBSOCKET_TOKEN_PROTOCOL = 'aegis.bearer'

/**
 * The access token of an upgrade request: `Authorization: Bearer` first, else the
 * `Sec-WebSocket-Protocol` pair `aegis.bearer, <token>`. Never the query string (it ends up in
 * logs). Undefined when absent, null when malformed.
 */
export function upgradeToken(headers: Headers): string | null | undefined {
  const authorization = headers.get('authorization')
  if (authorization) return parseBearer(authorization)
  const protocols = (headers.get('sec-websocket-protocol') ?? '').split(',').map(p => p.trim()).filter(Boolean)
  if (protocols[0] !== WEBSOCKET_TOKEN_PROTOCOL) return undefined
  return protocols[1] ? parseBearer(`Bearer ${protocols[1]}`) : null
}
