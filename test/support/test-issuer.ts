/**
 * A small, controllable OpenID provider for negative tests (node:http + jose). It runs a real
 * code flow with PKCE and client authentication, and `POST /control { mode }` makes the next
 * token / userinfo answers wrong in one precise way. `GET /control` returns call counters, so
 * tests can prove the token endpoint was (or was not) called.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'

export const TEST_ISSUER_CLIENT = { clientId: 'aegis-testidp', clientSecret: 'testidp-secret-0123456789' }

export const ISSUER_MODES = [
  'ok', 'wrong-nonce', 'missing-nonce', 'bad-signature', 'alg-none', 'hs256-public', 'wrong-iss', 'wrong-aud',
  'extra-aud-no-azp', 'expired', 'missing-exp', 'missing-sub', 'missing-iat', 'unknown-kid', 'userinfo-sub-mismatch',
  'token-500', 'token-html', 'token-hang', 'embedded-jwk', 'jku', 'iat-future',
] as const
export type IssuerMode = typeof ISSUER_MODES[number]

export interface IssuerCounters { token: number, userinfo: number, jwks: number, authorize: number, attackerJwks: number }

interface Grant { nonce?: string, challenge: string, redirectUri: string, sub: string }

export interface TestIssuer {
  url: string
  stop: () => Promise<void>
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const other = await generateKeyPair('RS256', { extractable: true })
  const publicJwk = { ...await exportJWK(publicKey), kid: 'k1', alg: 'RS256', use: 'sig' }
  // The attacker's key, offered through token headers (jwk, jku) that a verifier must ignore.
  const attackerJwk = { ...await exportJWK(other.publicKey), kid: 'k1', alg: 'RS256', use: 'sig' }
  const grants = new Map<string, Grant>()
  const accessTokens = new Map<string, string>()
  const counters: IssuerCounters = { token: 0, userinfo: 0, jwks: 0, authorize: 0, attackerJwks: 0 }
  let mode: IssuerMode = 'ok'
  let issuer = ''
  const hanging = new Set<ServerResponse>()

  function send(res: ServerResponse, status: number, body: unknown, type = 'application/json') {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }

  async function idToken(grant: Grant): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = { iss: issuer, aud: TEST_ISSUER_CLIENT.clientId, sub: grant.sub, iat: now, exp: now + 300, nonce: grant.nonce, name: 'Test Issuer User' }
    if (mode === 'wrong-nonce') claims.nonce = 'not-the-nonce'
    if (mode === 'missing-nonce') delete claims.nonce
    if (mode === 'wrong-iss') claims.iss = 'https://evil.example'
    if (mode === 'wrong-aud') claims.aud = 'someone-else'
    if (mode === 'extra-aud-no-azp') claims.aud = [TEST_ISSUER_CLIENT.clientId, 'someone-else']
    if (mode === 'expired') Object.assign(claims, { iat: now - 400, exp: now - 120 })
    if (mode === 'missing-exp') delete claims.exp
    if (mode === 'missing-sub') delete claims.sub
    if (mode === 'missing-iat') delete claims.iat
    if (mode === 'iat-future') claims.iat = now + 600
    if (mode === 'embedded-jwk') return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', jwk: attackerJwk }).sign(other.privateKey)
    if (mode === 'jku') return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', jku: `${issuer}/attacker-jwks` }).sign(other.privateKey)
    if (mode === 'alg-none') return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`
    if (mode === 'hs256-public') {
      // The classic key-confusion attack: HMAC keyed with the RSA public key the verifier trusts.
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret)
    }
    const key = mode === 'bad-signature' || mode === 'unknown-kid' ? other.privateKey : privateKey
    const kid = mode === 'unknown-kid' ? 'k-unknown' : 'k1'
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key)
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    let body = ''
    for await (const chunk of req) body += chunk
    return new URLSearchParams(body)
  }

  function clientOk(req: IncomingMessage): boolean {
    const [scheme, value] = (req.headers.authorization ?? '').split(' ')
    if (scheme?.toLowerCase() !== 'basic' || !value) return false
    const [id, secret] = Buffer.from(value, 'base64').toString().split(':').map(part => decodeURIComponent(part))
    return id === TEST_ISSUER_CLIENT.clientId && secret === TEST_ISSUER_CLIENT.clientSecret
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    counters.token++
    if (mode === 'token-hang') {
      hanging.add(res)
      return
    }
    if (mode === 'token-500') return send(res, 500, { error: 'server_error' })
    if (mode === 'token-html') return send(res, 200, '<html><body>Maintenance</body></html>', 'text/html')
    const form = await readForm(req)
    if (!clientOk(req)) return send(res, 401, { error: 'invalid_client' })
    const grant = grants.get(form.get('code') ?? '')
    grants.delete(form.get('code') ?? '')
    const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url')
    if (!grant || grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== challenge) return send(res, 400, { error: 'invalid_grant' })
    const accessToken = randomBytes(32).toString('base64url')
    accessTokens.set(accessToken, grant.sub)
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: await idToken(grant) })
  }

  function authorize(url: URL, res: ServerResponse) {
    counters.authorize++
    const params = url.searchParams
    if (params.get('client_id') !== TEST_ISSUER_CLIENT.clientId || params.get('code_challenge_method') !== 'S256' || !params.get('redirect_uri')) {
      return send(res, 400, { error: 'invalid_request' })
    }
    const code = randomBytes(32).toString('base64url')
    grants.set(code, { nonce: params.get('nonce') ?? undefined, challenge: params.get('code_challenge') ?? '', redirectUri: params.get('redirect_uri')!, sub: 'testidp-user-1' })
    const back = new URL(params.get('redirect_uri')!)
    back.searchParams.set('code', code)
    back.searchParams.set('state', params.get('state') ?? '')
    back.searchParams.set('iss', issuer)
    res.writeHead(302, { location: back.href })
    res.end()
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const route = `${req.method} ${url.pathname}`
    const handle = async () => {
      switch (route) {
        case 'GET /.well-known/openid-configuration':
          return send(res, 200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            userinfo_endpoint: `${issuer}/userinfo`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            token_endpoint_auth_methods_supported: ['client_secret_basic'],
            code_challenge_methods_supported: ['S256'],
            authorization_response_iss_parameter_supported: true,
          })
        case 'GET /jwks':
          counters.jwks++
          return send(res, 200, { keys: [publicJwk] })
        case 'GET /attacker-jwks':
          counters.attackerJwks++
          return send(res, 200, { keys: [attackerJwk] })
        case 'GET /authorize':
          return authorize(url, res)
        case 'POST /token':
          return token(req, res)
        case 'GET /userinfo': {
          counters.userinfo++
          const sub = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''))
          if (!sub) return send(res, 401, { error: 'invalid_token' })
          return send(res, 200, { sub: mode === 'userinfo-sub-mismatch' ? 'someone-else' : sub, email: 'testidp@example.test', email_verified: true })
        }
        case 'POST /control': {
          const requested = (await readForm(req)).get('mode') as IssuerMode
          if (!ISSUER_MODES.includes(requested)) return send(res, 400, { error: 'unknown mode' })
          mode = requested
          return send(res, 200, { mode })
        }
        case 'GET /control':
          return send(res, 200, { mode, ...counters })
        default:
          return send(res, 404, { error: 'not_found' })
      }
    }
    handle().catch(() => send(res, 500, { error: 'server_error' }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: issuer,
    stop: async () => {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    },
  }
}

/** Sets the test issuer's behaviour for the following requests. */
export async function setIssuerMode(url: string, mode: IssuerMode): Promise<void> {
  const response = await fetch(`${url}/control`, { method: 'POST', body: new URLSearchParams({ mode }) })
  if (response.status !== 200) throw new Error(`test issuer refused mode ${mode}`)
}

export async function issuerCounters(url: string): Promise<IssuerCounters & { mode: IssuerMode }> {
  return await (await fetch(`${url}/control`)).json() as IssuerCounters & { mode: IssuerMode }
}
