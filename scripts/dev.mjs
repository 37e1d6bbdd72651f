/**
 * `npm run dev`: starts a local OpenID provider (panva's oidc-provider, a devDependency) on
 * 127.0.0.1, then `nuxi dev playground` with the playground's `oidc` provider pointed at it.
 * Log in there with any user name and any password. Ctrl-C stops both.
 *
 * Arguments after `--` go to `nuxi dev` unchanged: `npm run dev -- --port 4000 --host 0.0.0.0`.
 * The app's port (`--port`/`-p`, else PORT, default 3000) and host set the provider's redirect
 * URIs. AEGIS_DEV_OIDC_PORT sets the provider's own port (default 4010).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import Provider from 'oidc-provider'
import { devArgs } from './dev-args.mjs'

const { nuxiArgs, redirectUris } = devArgs(process.argv.slice(2), process.env)
const oidcPort = Number(process.env.AEGIS_DEV_OIDC_PORT || 4010)
const issuer = `http://127.0.0.1:${oidcPort}`
const client = { id: 'nuxt-aegis-playground', secret: 'playground-only-oidc-secret-0123456789' }

const provider = new Provider(issuer, {
  clients: [{
    client_id: client.id,
    client_secret: client.secret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  // Refresh tokens (rotated on use) and 2-minute access tokens: the playground's provider page
  // shows getProviderToken refreshing them on the server.
  issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: { AccessToken: 120, RefreshToken: 86_400, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86_400, Grant: 86_400 },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  cookies: { keys: ['playground-only-cookie-key-0123456789'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: `${sub} (local OIDC)`, preferred_username: sub, email: `${sub}@oidc.localhost`, email_verified: true }),
  }),
})

const server = createServer(provider.callback())
server.listen(oidcPort, '127.0.0.1', () => {
  console.info(`[playground] local OpenID provider on ${issuer} (any login, any password)`)
  const root = fileURLToPath(new URL('..', import.meta.url))
  // nuxi ships inside @nuxt/cli (a dependency of nuxt); a top-level nuxi package may not exist.
  const bin = [`${root}node_modules/nuxi/bin/nuxi.mjs`, `${root}node_modules/@nuxt/cli/bin/nuxi.mjs`].find(path => existsSync(path))
  if (!bin) throw new Error('nuxi not found: run npm install')
  const nuxi = spawn(process.execPath, [bin, ...nuxiArgs], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NUXT_AEGIS_PROVIDERS_OIDC_ISSUER: issuer,
      NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_ID: client.id,
      NUXT_AEGIS_PROVIDERS_OIDC_CLIENT_SECRET: client.secret,
    },
  })
  const stop = () => {
    nuxi.kill('SIGTERM')
    server.close()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  nuxi.on('exit', (code) => {
    server.close()
    process.exit(code ?? 0)
  })
})
