import { parseArgs } from 'node:util'

/**
 * Reads the app's port and host from `npm run dev -- <nuxi dev arguments>` (`--port 4000`,
 * `-p 4000`, `--port=4000`, `--host 0.0.0.0`), falling back to PORT / HOST, and returns the
 * arguments for `nuxi dev playground` (the user's own, passed through untouched) together with
 * the redirect URIs the local OpenID provider must accept for that port and host.
 */
export function devArgs(argv, env = {}) {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } },
  })
  const port = Number(typeof values.port === 'string' ? values.port : env.PORT || 3000)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port: ${values.port ?? env.PORT}`)
  const host = typeof values.host === 'string' && values.host ? values.host : env.HOST || ''
  const nuxiArgs = ['dev', 'playground', ...argv]
  if (typeof values.port !== 'string') nuxiArgs.push('--port', String(port))
  const hosts = new Set(['localhost', '127.0.0.1'])
  // A wildcard address listens everywhere but is never the origin a browser uses.
  if (host && host !== '0.0.0.0' && host !== '::') hosts.add(host.includes(':') ? `[${host}]` : host)
  const redirectUris = [...hosts].map(name => `http://${name}:${port}/auth/oidc`)
  return { port, host, nuxiArgs, redirectUris }
}
