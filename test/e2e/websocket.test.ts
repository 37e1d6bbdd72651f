/**
 * WebSockets authenticated at upgrade (`defineAuthenticatedWebSocketHandler`) against the built
 * fixture: a real client (Node's WebSocket) with the token in the `aegis.bearer` subprotocol, and
 * raw upgrade requests for the Authorization header and the refusals.
 */
import { request } from 'node:http'
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { decodeJwt, loginSession } from '../support/http'

const baseUrl = inject('baseUrl')
const wsUrl = () => `${baseUrl.replace(/^http/, 'ws')}/ws/echo`

/** A raw upgrade request; resolves with the status (101 when upgraded) and the response headers. */
function upgrade(headers: Record<string, string>, path = '/ws/echo'): Promise<{ status: number, headers: Record<string, unknown>, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), {
      headers: { 'connection': 'Upgrade', 'upgrade': 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    })
    req.on('upgrade', (response, socket) => {
      socket.destroy()
      resolve({ status: response.statusCode!, headers: response.headers, body: '' })
    })
    req.on('response', (response) => {
      let body = ''
      response.on('data', (chunk) => {
        body += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a WebSocket with the given subprotocols; resolves with the first message, or rejects when refused. */
function firstMessage(protocols: string[]): Promise<{ data: string, protocol: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(), protocols)
    socket.addEventListener('message', (event) => {
      resolve({ data: String(event.data), protocol: socket.protocol })
      socket.close()
    })
    socket.addEventListener('error', () => reject(new Error('refused')))
  })
}

describe('[WS-1] WebSockets authenticated at upgrade', () => {
  it('a browser-style client with the token in the aegis.bearer subprotocol is let in and known; the token is not echoed', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const { data, protocol } = await firstMessage(['aegis.bearer', session.token])
    expect(JSON.parse(data)).toEqual({ hello: 'mock-alice' })
    expect(protocol).toBe('aegis.bearer')
  })

  it('an Authorization header works too (servers, native apps)', async () => {
    const session = await loginSession(baseUrl, 'bob')
    const response = await upgrade({ authorization: `Bearer ${session.token}` })
    expect(response.status).toBe(101)
  })

  it('no token, a malformed one, a forged one and an expired one are refused with 401 before the upgrade', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const claims = decodeJwt(session.token)
    const t = Math.floor(Date.now() / 1000)
    const sign = (payload: Record<string, unknown>, secret = TEST_SECRET) =>
      new SignJWT({ ...claims, ...payload }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(secret))
    const cases: Record<string, Record<string, string>> = {
      'no token': {},
      'malformed header': { authorization: 'Bearer a b' },
      'protocol without a token': { 'sec-websocket-protocol': 'aegis.bearer' },
      'forged (another secret)': { authorization: `Bearer ${await sign({}, 'x'.repeat(48))}` },
      'expired': { authorization: `Bearer ${await sign({ iat: t - 7200, exp: t - 3600 })}` },
    }
    for (const [name, headers] of Object.entries(cases)) {
      const response = await upgrade(headers)
      expect(response.status, name).toBe(401)
      expect(response.headers['www-authenticate'], name).toBe('Bearer')
    }
    await expect(firstMessage(['aegis.bearer', 'not-a-token'])).rejects.toThrow('refused')
  })

  it('a token in the query string is never read', async () => {
    const session = await loginSession(baseUrl, 'alice')
    const response = await upgrade({}, `/ws/echo?token=${session.token}&access_token=${session.token}`)
    expect(response.status).toBe(401)
  })
})

describe('[WS-1] a socket outliving its token', () => {
  let server: RunningServer
  beforeAll(async () => {
    // 5-second tokens: `exp` is whole seconds, so a token may have only 4 s left at login, and the
    // login, the upgrade and the first messages must fit before it also on a busy 2-core CI machine.
    server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_TOKEN_EXPIRES_IN: '5' })
  }, 60_000)
  afterAll(async () => {
    await server?.stop()
  })

  it('a message after the token\'s exp closes the socket with 4401; before it, messages are answered', async () => {
    const session = await loginSession(server.url, 'alice')
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/echo`, ['aegis.bearer', session.token])
    const messages: string[] = []
    let closed: number | undefined
    socket.addEventListener('message', event => messages.push(String(event.data)))
    socket.addEventListener('close', (event) => {
      closed = event.code
    })
    await vi.waitFor(() => expect(messages).toHaveLength(1))
    socket.send('ping')
    await vi.waitFor(() => expect(messages).toHaveLength(2))
    expect(JSON.parse(messages[1]!)).toEqual({ from: 'mock-alice', echo: 'ping' })
    // Wait until the token is past its exp (5 s), then speak again.
    await vi.waitFor(() => expect(Date.now() / 1000).toBeGreaterThan((decodeJwt(session.token).exp as number) + 0.5), { timeout: 10_000, interval: 200 })
    socket.send('late')
    await vi.waitFor(() => expect(closed).toBe(4401), { timeout: 10_000 })
    expect(messages).toHaveLength(2)
  }, 30_000)

  it('a silent client is closed by the server with 4401 at its token\'s exp, without sending anything', async () => {
    const session = await loginSession(server.url, 'bob')
    const exp = decodeJwt(session.token).exp as number
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/echo`, ['aegis.bearer', session.token])
    const messages: string[] = []
    let closed: { code: number, at: number } | undefined
    socket.addEventListener('message', event => messages.push(String(event.data)))
    socket.addEventListener('close', (event) => {
      closed = { code: event.code, at: Date.now() }
    })
    await vi.waitFor(() => expect(messages).toHaveLength(1), { timeout: 10_000 })
    expect(JSON.parse(messages[0]!)).toEqual({ hello: 'mock-bob' })
    // The token lives 5 s: wait up to five times that for the server to end the socket.
    await vi.waitFor(() => expect(closed?.code).toBe(4401), { timeout: 25_000, interval: 200 })
    // Never before exp (1 s of slack for clock rounding between the processes).
    expect(closed!.at).toBeGreaterThan(exp * 1000 - 1000)
    expect(messages).toHaveLength(1)
  }, 45_000)
})
