/**
 * HTTP helpers for e2e tests: a tiny cookie jar and the mock login walked hop by hop with
 * `redirect: 'manual'`, the way a browser would, carrying cookies ourselves.
 * The jar keeps cookies by name and Path and sends them only where their Path applies (the
 * handoff cookie only reaches `/auth/token`, transaction cookies only `/auth/<provider>`).
 * The fixture's cookies are `Secure`; over plain http the jar still sends them, and it ignores
 * Max-Age > 0 and SameSite (tests decide what a request carries).
 */
import { request as httpRequest } from 'node:http'
import { fingerprint } from '../../src/runtime/server/core/crypto'

export const REFRESH_COOKIE = 'nuxt-aegis-refresh'
export const TX_COOKIE_PREFIX = 'nuxt-aegis-tx-'
/** Binds a CODE to the browser that finished the login; only sent to `/auth/token`. */
export const HANDOFF_COOKIE_PREFIX = 'nuxt-aegis-handoff-'

/** The handoff cookie of one CODE: named by a fingerprint of the CODE (one per login in flight). */
export function handoffCookie(code: string): string {
  return `${HANDOFF_COOKIE_PREFIX}${fingerprint(code)}`
}

export interface SetCookie {
  name: string
  value: string
  /** Attribute names lower-cased; flags (HttpOnly, Secure) map to `true`. */
  attributes: Record<string, string | true>
  raw: string
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair = '', ...parts] = raw.split(';')
  const eq = pair.indexOf('=')
  const attributes: Record<string, string | true> = {}
  for (const part of parts) {
    const index = part.indexOf('=')
    const name = (index === -1 ? part : part.slice(0, index)).trim().toLowerCase()
    if (name) attributes[name] = index === -1 ? true : part.slice(index + 1).trim()
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw }
}

/** Every Set-Cookie of a response, parsed. */
export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie)
}

/** The Set-Cookie for `name` in a response, if any. */
export function setCookie(response: Response, name: string): SetCookie | undefined {
  return setCookies(response).find(cookie => cookie.name === name)
}

/** True when a Set-Cookie removes the cookie (Max-Age=0 or an Expires in the past). */
export function isDeletion(cookie: SetCookie): boolean {
  if (cookie.attributes['max-age'] !== undefined) return Number(cookie.attributes['max-age']) <= 0
  const expires = cookie.attributes.expires
  return typeof expires === 'string' && Date.parse(expires) <= Date.now()
}

interface StoredCookie { name: string, value: string, path: string }

/** The default Path of a cookie set without one (RFC 6265 §5.1.4): the request path's directory. */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/'
  const last = requestPath.lastIndexOf('/')
  return last <= 0 ? '/' : requestPath.slice(0, last)
}

/** True when a cookie with `cookiePath` is sent to `requestPath` (RFC 6265 §5.1.4 path-match). */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}

/**
 * Cookies of one origin as a browser keeps them: keyed by name and Path (two cookies of one
 * name on different paths are two cookies), sent only to paths they path-match, and removed
 * only by a deletion with the same name and Path.
 */
export class CookieJar {
  readonly cookies = new Map<string, StoredCookie>()

  /** Stores the Set-Cookie headers of a response to a request for `requestPath`. */
  store(response: Response, requestPath = '/'): void {
    for (const cookie of setCookies(response)) {
      const path = typeof cookie.attributes.path === 'string' && cookie.attributes.path.startsWith('/') ? cookie.attributes.path : defaultPath(requestPath)
      const key = `${cookie.name}\u0000${path}`
      if (isDeletion(cookie)) this.cookies.delete(key)
      else this.cookies.set(key, { name: cookie.name, value: cookie.value, path })
    }
  }

  /** The value of the cookie `name` (the one with the longest Path when several exist). */
  get(name: string): string | undefined {
    return this.entries(name)[0]?.value
  }

  set(name: string, value: string, path = '/'): void {
    this.cookies.set(`${name}\u0000${path}`, { name, value, path })
  }

  /** Removes every cookie called `name`, whatever its Path. */
  delete(name: string): void {
    for (const [key, cookie] of this.cookies) {
      if (cookie.name === name) this.cookies.delete(key)
    }
  }

  /** Distinct cookie names, oldest first. */
  names(): string[] {
    return [...new Set([...this.cookies.values()].map(cookie => cookie.name))]
  }

  /** The Cookie header for a request path ('' when nothing applies); longer Paths first, as browsers send them. */
  header(path: string): string {
    const requestPath = path.split('?')[0] || '/'
    return [...this.cookies.values()]
      .filter(cookie => pathMatches(requestPath, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map(cookie => `${cookie.name}=${cookie.value}`)
      .join('; ')
  }

  clone(): CookieJar {
    const copy = new CookieJar()
    for (const [key, cookie] of this.cookies) copy.cookies.set(key, { ...cookie })
    return copy
  }

  private entries(name: string): StoredCookie[] {
    return [...this.cookies.values()].filter(cookie => cookie.name === name).sort((a, b) => b.path.length - a.path.length)
  }
}

/** fetch without following redirects; sends the jar's cookies and stores what comes back. */
export async function send(url: string | URL, init: RequestInit & { jar?: CookieJar } = {}): Promise<Response> {
  const { jar, ...rest } = init
  const target = new URL(url)
  const headers = new Headers(rest.headers)
  const cookie = jar?.header(target.pathname)
  if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
  const response = await fetch(target, { ...rest, headers, redirect: 'manual' })
  jar?.store(response, target.pathname)
  return response
}

/** The Location of a redirect response, resolved against the request URL. */
export function locationOf(response: Response, base: string | URL): URL {
  const location = response.headers.get('location')
  if (!location) throw new Error(`expected a redirect, got ${response.status} without Location`)
  return new URL(location, base)
}

/** Headers a browser sends on a same-origin fetch() from a page of `baseUrl`. */
export function sameOrigin(baseUrl: string): Record<string, string> {
  return { 'origin': new URL(baseUrl).origin, 'sec-fetch-site': 'same-origin' }
}

export interface ProviderCallback {
  jar: CookieJar
  /** `/auth/mock?code=…&state=…` (or `?error=…&state=…`) as the mock provider sent the browser back. */
  callbackUrl: URL
  /** The name of this login's transaction cookie. */
  txCookie: string
  /** The login start response (sets the transaction cookie). */
  start: Response
  /** The mock authorize URL the start redirected to. */
  authorizeUrl: URL
}

/**
 * Starts a mock login (`GET /auth/mock?<query>`) and lets the mock provider answer, stopping
 * just before the browser would load the provider callback.
 */
export async function toProviderCallback(baseUrl: string, query: Record<string, string> = {}, jar = new CookieJar()): Promise<ProviderCallback> {
  const startUrl = new URL('/auth/mock', baseUrl)
  for (const [name, value] of Object.entries(query)) startUrl.searchParams.set(name, value)
  const before = new Set(jar.names())
  const start = await send(startUrl, { jar })
  if (start.status !== 302) throw new Error(`login start answered ${start.status}: ${await start.text()}`)
  const txCookie = jar.names().find(name => name.startsWith(TX_COOKIE_PREFIX) && !before.has(name))
  if (!txCookie) throw new Error('login start set no transaction cookie')
  const authorizeUrl = locationOf(start, startUrl)
  const authorize = await send(authorizeUrl, { jar })
  if (authorize.status !== 302) throw new Error(`mock authorize answered ${authorize.status}: ${await authorize.text()}`)
  return { jar, callbackUrl: locationOf(authorize, authorizeUrl), txCookie, start, authorizeUrl }
}

/** Loads a provider callback URL; returns the response and where it sends the browser. */
export async function callback(url: URL | string, jar: CookieJar): Promise<{ response: Response, location: URL }> {
  const response = await send(url, { jar })
  if (response.status !== 302) throw new Error(`callback answered ${response.status}: ${await response.text()}`)
  return { response, location: locationOf(response, url) }
}

export interface LoginResult {
  jar: CookieJar
  /** The one-time CODE from `/auth/callback?code=…`. */
  code: string
  /** Where the provider callback sent the browser (`/auth/callback?code=…`). */
  location: URL
  txCookie: string
  callbackResponse: Response
  /** The value of the handoff cookie the provider callback set (the CODE's browser binding). */
  handoff: string
}

/** Mock login up to the CODE hand-off: start → mock authorize → provider callback → `/auth/callback?code=`. */
export async function login(baseUrl: string, persona?: string, query: Record<string, string> = {}, jar = new CookieJar()): Promise<LoginResult> {
  const flow = await toProviderCallback(baseUrl, persona === undefined ? query : { user: persona, ...query }, jar)
  const { response, location } = await callback(flow.callbackUrl, jar)
  const code = location.searchParams.get('code')
  if (location.pathname !== '/auth/callback' || !code) throw new Error(`login did not end on /auth/callback: ${location.href}`)
  const handoff = setCookie(response, handoffCookie(code))?.value
  if (!handoff) throw new Error('the provider callback set no handoff cookie')
  return { jar, code, location, txCookie: flow.txCookie, callbackResponse: response, handoff }
}

/**
 * POST /auth/token as the callback page does (same-origin JSON). Pass the login's jar: it
 * holds the handoff cookie (Path=/auth/token) without which the CODE is refused.
 */
export function redeem(baseUrl: string, code: unknown, jar?: CookieJar, headers: Record<string, string> = sameOrigin(baseUrl)): Promise<Response> {
  return send(new URL('/auth/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ code }),
    jar,
  })
}

export interface TokenBody {
  token: string
  tokenType: string
  expiresIn: number
  redirectTo?: string
}

export interface Session {
  jar: CookieJar
  token: string
  body: TokenBody
  /** The raw refresh token from the cookie. */
  refreshToken: string
}

/** A full login: the CODE redeemed for an access token and a refresh cookie. */
export async function loginSession(baseUrl: string, persona?: string, query: Record<string, string> = {}): Promise<Session> {
  const { jar, code } = await login(baseUrl, persona, query)
  const response = await redeem(baseUrl, code, jar)
  if (response.status !== 200) throw new Error(`POST /auth/token answered ${response.status}: ${await response.text()}`)
  const body = await response.json() as TokenBody
  const refreshToken = jar.get(REFRESH_COOKIE)
  if (!refreshToken) throw new Error('POST /auth/token set no refresh cookie')
  return { jar, token: body.token, body, refreshToken }
}

/** POST to a cookie endpoint (`/auth/refresh`, `/auth/logout`) as a same-origin page would. */
export function postWithCookie(baseUrl: string, path: string, jar: CookieJar, headers: Record<string, string> = sameOrigin(baseUrl)): Promise<Response> {
  return send(new URL(path, baseUrl), { method: 'POST', headers, jar })
}

/** The payload of a JWT, unverified (tests read what the server signed). */
export function decodeJwt(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * A request whose path is sent byte for byte (fetch and URL would resolve `..` and `//`).
 * With a jar, its cookies go along as a browser would send them for that literal path.
 */
export function rawRequest(baseUrl: string, path: string, options: { method?: string, headers?: Record<string, string>, jar?: CookieJar } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  const headers = { ...options.headers }
  const cookie = options.jar?.header(path)
  if (cookie && !Object.keys(headers).some(name => name.toLowerCase() === 'cookie')) headers.cookie = cookie
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: options.method ?? 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export interface HookCall { name: string, data: Record<string, unknown> }

/** The fixture's record of hook and callback calls (oldest first, bounded). */
export async function hookCalls(baseUrl: string): Promise<HookCall[]> {
  const response = await fetch(new URL('/api/test/hooks', baseUrl))
  return await response.json() as HookCall[]
}
