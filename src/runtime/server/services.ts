import type { H3Event } from 'h3'
import { getRequestURL } from 'h3'
import { $fetch as ofetch } from 'ofetch'
import { useRuntimeConfig, useStorage } from 'nitropack/runtime'
import type { AegisRuntimeConfig, RuntimeMockConfig } from './lib/config'
import { parseDuration } from './lib/config'
import { createMemoryCodeStore, createStorageCodeStore } from './lib/codes'
import type { CodeStore } from './lib/codes'
import { createSessionStore } from './lib/sessions'
import type { SessionStore } from './lib/sessions'
import { createTokenService } from './lib/tokens'
import type { TokenService } from './lib/tokens'
import { createRouteMatcher } from './lib/paths'
import type { RouteMatcher } from './lib/paths'
import { createTransactionSealer } from './lib/oauth/transaction'
import { createMockIdp, DEFAULT_MOCK_USERS } from './lib/oauth/mock-idp'
import type { MockIdp } from './lib/oauth/mock-idp'
import type { EngineContext, HttpClient } from './lib/oauth/types'
import { TtlMap } from './lib/ttl-map'
import { AegisError } from './lib/errors'
import type { OAuthHandlerOptions } from '../types'

/**
 * Everything the routes need, built once per process from the runtime config: the
 * verification key is imported once, globs compiled once, stores opened once.
 */
export interface AegisServices {
  config: AegisRuntimeConfig
  /** Origin of `siteUrl` (or `public.siteUrl`), empty when unset. */
  siteOrigin: string
  tokens: TokenService
  codes: CodeStore
  sessions: SessionStore
  matcher: RouteMatcher
  transactions: ReturnType<typeof createTransactionSealer>
  /** States of transactions already used: a transaction is single use. */
  usedStates: TtlMap<true>
  mockIdp: MockIdp
  http: HttpClient
  /** Options of provider route handlers (customClaims ...), registered when their files load. */
  handlers: Map<string, OAuthHandlerOptions>
}

let services: AegisServices | undefined
const handlers = new Map<string, OAuthHandlerOptions>()

export function useAegis(): AegisServices {
  if (services) return services
  // Read once, without the event: useRuntimeConfig(event) copies the whole config per call.
  const config = useRuntimeConfig().aegis as unknown as AegisRuntimeConfig
  const mock = config.providers.mock as RuntimeMockConfig | undefined
  const authCodeTtl = Number(config.authCode.expiresIn)
  const siteUrl = config.siteUrl || (useRuntimeConfig().public.siteUrl as string | undefined) || ''
  services = {
    config,
    siteOrigin: siteUrl ? new URL(siteUrl).origin : '',
    tokens: createTokenService({
      secret: config.token.secret,
      algorithm: 'HS256',
      issuer: config.token.issuer,
      audience: config.token.audience,
      expiresIn: parseDuration(config.token.expiresIn)!,
    }),
    codes: config.authCode.shared
      ? createStorageCodeStore(useStorage('aegis:codes'), { ttlSeconds: authCodeTtl })
      : createMemoryCodeStore({ ttlSeconds: authCodeTtl }),
    sessions: createSessionStore({
      storage: useStorage('aegis:refresh'),
      prefix: config.tokenRefresh.prefix,
      maxAge: Number(config.tokenRefresh.cookie.maxAge),
      rotation: config.tokenRefresh.rotation,
    }),
    matcher: createRouteMatcher(config.routeProtection.protectedRoutes ?? [], config.routeProtection.publicRoutes ?? []),
    transactions: createTransactionSealer(config.token.secret),
    usedStates: new TtlMap<true>(10_000).sweepEvery(60_000),
    mockIdp: createMockIdp(() => ({
      clientId: mock?.clientId ?? '',
      clientSecret: mock?.clientSecret || undefined,
      mockUsers: mock?.mockUsers ?? DEFAULT_MOCK_USERS,
      defaultUser: mock?.defaultUser,
    })),
    http: createHttpClient(),
    handlers,
  }
  return services
}

/** Registers a provider route's options (claims function ...) so refresh can use them. */
export function registerProviderHandler(provider: string, options: OAuthHandlerOptions): void {
  handlers.set(provider, options)
}

/**
 * The public origin: `siteUrl` when configured (production), else the request's own origin
 * (dev and tests; forwarded headers are not trusted).
 */
export function publicOrigin(event: H3Event): string {
  const { siteOrigin } = useAegis()
  if (siteOrigin) return siteOrigin
  try {
    return getRequestURL(event).origin
  }
  catch {
    throw new AegisError(400, 'invalid_request', 'unparsable Host header')
  }
}

export function engineContext(event: H3Event): EngineContext {
  return { origin: publicOrigin(event), authPath: useAegis().config.endpoints.authPath }
}

const PROVIDER_TIMEOUT_MS = 10_000
const MAX_RESPONSE_BYTES = 1_000_000

/**
 * HTTP to providers: relative URLs (the mock) go through Nitro's in-process fetch; absolute
 * ones over the network with a timeout, a size cap and no redirects followed.
 */
function createHttpClient(): HttpClient {
  return async (url, init) => {
    const local = url.startsWith('/')
    const fetcher = local ? (globalThis.$fetch as unknown as typeof ofetch) : ofetch
    const text: unknown = await fetcher(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      responseType: 'text' as 'json',
      timeout: PROVIDER_TIMEOUT_MS,
      redirect: 'manual',
      retry: 0,
    })
    if (typeof text !== 'string') return text
    if (text.length > MAX_RESPONSE_BYTES) throw new Error('provider response too large')
    return JSON.parse(text)
  }
}
