/**
 * A separate API that trusts nuxt-aegis access tokens: it fetches the app's public keys from
 * `GET /auth/jwks` and verifies every request with `nuxt-aegis/verify`. Plain `node:http`, so it
 * runs as is; with Express the handler body is the same (`verifier.verifyRequest(req)`).
 *
 *   AEGIS_JWKS_URL=https://app.example/auth/jwks AEGIS_ISSUER=nuxt-aegis PORT=4000 node server.mjs
 *
 * With the app's revocation feed (the app sets revocation.serviceToken), tokens of sessions that
 * ended (logout, revokeUserSessions, ...) are refused here within AEGIS_REVOCATIONS_REFRESH_MS:
 *
 *   AEGIS_REVOCATIONS_URL=https://app.example/auth/revocations AEGIS_REVOCATIONS_TOKEN=... node server.mjs
 */
import { createServer } from 'node:http'
import { AegisVerificationError, createAegisVerifier } from 'nuxt-aegis/verify'

const verifier = createAegisVerifier({
  jwksUrl: process.env.AEGIS_JWKS_URL,
  issuer: process.env.AEGIS_ISSUER ?? 'nuxt-aegis',
  audience: process.env.AEGIS_AUDIENCE || undefined,
  // The app's token.expiresIn: older tokens are refused even if their exp says otherwise.
  maxTokenAge: process.env.AEGIS_MAX_TOKEN_AGE ? Number(process.env.AEGIS_MAX_TOKEN_AGE) : undefined,
  revocations: process.env.AEGIS_REVOCATIONS_URL
    ? {
        url: process.env.AEGIS_REVOCATIONS_URL,
        token: process.env.AEGIS_REVOCATIONS_TOKEN,
        refreshMs: Number(process.env.AEGIS_REVOCATIONS_REFRESH_MS ?? 1000),
      }
    : undefined,
})

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

const server = createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/orders') return send(res, 404, { error: 'not_found' })
  try {
    const user = await verifier.verifyRequest(req)
    send(res, 200, { user: { sub: user.sub, name: user.name ?? null }, orders: [] })
  }
  catch (error) {
    // The revocation list could not be refreshed for a while (onStale: 'refuse'): retry later.
    if (error instanceof AegisVerificationError && error.code === 'revocation_unavailable') return send(res, 503, { error: error.code, message: error.message }, { 'retry-after': '1' })
    if (error instanceof AegisVerificationError) return send(res, 401, { error: error.code, message: error.message }, { 'www-authenticate': 'Bearer' })
    console.error('unexpected error', error)
    send(res, 500, { error: 'server_error' })
  }
})

server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`orders API on http://${process.env.HOST ?? '127.0.0.1'}:${server.address().port}`)
})
