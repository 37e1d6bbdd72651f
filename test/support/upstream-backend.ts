/**
 * A small stand-in for the backend a credentials login checks passwords against, shaped like
 * Directus's auth API: `POST /auth/login` and `POST /auth/refresh` (JSON mode) answer
 * `{ data: { access_token, refresh_token, expires } }` (`expires` in ms), `GET /users/me` needs a
 * live access token. Refresh tokens rotate: each works once; access tokens expire quickly.
 * `/control/*` lets a test see what it issued and revoke a user's refresh tokens.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface UpstreamUser { id: string, email: string, password: string, first_name: string }

export const UPSTREAM_USERS: UpstreamUser[] = [
  { id: 'u-uma', email: 'uma@example.com', password: 'uma-upstream-pass', first_name: 'Uma' },
  { id: 'u-vic', email: 'vic@example.com', password: 'vic-upstream-pass', first_name: 'Vic' },
  { id: 'u-wes', email: 'wes@example.com', password: 'wes-upstream-pass', first_name: 'Wes' },
]

export interface UpstreamBackend {
  url: string
  /** Every access and refresh token it issued, and how many refreshes each user made. */
  issued: () => { access: string[], refresh: string[], refreshes: Record<string, number> }
  stop: () => Promise<void>
}

interface Grant { userId: string, expiresAt: number }

export async function startUpstreamBackend(options: { accessTtlMs: number }): Promise<UpstreamBackend> {
  const access = new Map<string, Grant>()
  const refresh = new Map<string, string>()
  const issuedAccess: string[] = []
  const issuedRefresh: string[] = []
  const refreshes: Record<string, number> = {}

  const issue = (userId: string) => {
    const accessToken = `up-at-${randomBytes(16).toString('hex')}`
    const refreshToken = `up-rt-${randomBytes(16).toString('hex')}`
    access.set(accessToken, { userId, expiresAt: Date.now() + options.accessTtlMs })
    refresh.set(refreshToken, userId)
    issuedAccess.push(accessToken)
    issuedRefresh.push(refreshToken)
    return { data: { access_token: accessToken, refresh_token: refreshToken, expires: options.accessTtlMs } }
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const refused = (res: ServerResponse, status: number, code: string) => send(res, status, { errors: [{ message: code, extensions: { code } }] })

  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = ''
    for await (const chunk of req) text += chunk
    try {
      const parsed = JSON.parse(text || '{}') as unknown
      return typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : {}
    }
    catch {
      return {}
    }
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://backend').pathname
    if (req.method === 'POST' && path === '/auth/login') {
      const body = await readBody(req)
      const user = UPSTREAM_USERS.find(u => u.email === body.email && u.password === body.password)
      return user ? send(res, 200, issue(user.id)) : refused(res, 401, 'INVALID_CREDENTIALS')
    }
    if (req.method === 'POST' && path === '/auth/refresh') {
      const body = await readBody(req)
      const userId = typeof body.refresh_token === 'string' ? refresh.get(body.refresh_token) : undefined
      if (!userId) return refused(res, 401, 'INVALID_CREDENTIALS')
      // Rotation: the presented refresh token never works again.
      refresh.delete(body.refresh_token as string)
      refreshes[userId] = (refreshes[userId] ?? 0) + 1
      return send(res, 200, issue(userId))
    }
    if (req.method === 'GET' && path === '/users/me') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      const grant = token ? access.get(token) : undefined
      if (!grant || grant.expiresAt <= Date.now()) return refused(res, 401, 'TOKEN_EXPIRED')
      const user = UPSTREAM_USERS.find(u => u.id === grant.userId)!
      return send(res, 200, { data: { id: user.id, email: user.email, first_name: user.first_name } })
    }
    if (req.method === 'POST' && path === '/control/revoke') {
      const body = await readBody(req)
      for (const [token, userId] of refresh) if (userId === body.userId) refresh.delete(token)
      return send(res, 200, { ok: true })
    }
    return refused(res, 404, 'ROUTE_NOT_FOUND')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    issued: () => ({ access: [...issuedAccess], refresh: [...issuedRefresh], refreshes: { ...refreshes } }),
    stop: () => new Promise(resolve => server.close(() => resolve())),
  }
}

/** Revokes every refresh token of a user at the backend (a password change there, say). */
export async function revokeUpstream(backend: UpstreamBackend, userId: string): Promise<void> {
  await fetch(`${backend.url}/control/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) })
}
