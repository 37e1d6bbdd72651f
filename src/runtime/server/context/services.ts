import type { H3Event } from 'h3'
import { getRequestURL } from 'h3'
import { useNitroApp, useRuntimeConfig, useStorage } from 'nitropack/runtime'
import type { AegisRuntimeConfig, RuntimeMockConfig } from './config'
import { encryptionPreviousKeys, listOption, parseDuration } from './config'
import { loadSigningKeys } from '../tokens/keys'
import type { AsymmetricAlgorithm } from '../tokens/keys'
import { lazyLocks, locksForMount } from '../core/locks'
import { compareAndSetForMount } from '../core/compare-and-set'
import { createEncryptedCodec, plainCodec } from '../sessions/record-codec'
import { createMemoryCodeStore, createStorageCodeStore } from '../handoff/codes'
import type { CodeStore } from '../handoff/codes'
import { createSessionStore } from '../sessions/sessions'
import type { SessionStore } from '../sessions/sessions'
import { CLOCK_TOLERANCE, createTokenService } from '../tokens/tokens'
import type { TokenService } from '../tokens/tokens'
import { createRouteMatcher } from '../protection/paths'
import type { RouteMatcher } from '../protection/paths'
import { createTransactionSealer } from '../oauth/transaction'
import { createMockIdp, DEFAULT_MOCK_USERS } from '../oauth/mock/mock-idp'
import type { MockIdp } from '../oauth/mock/mock-idp'
import type { EngineContext, OAuthProviderDefinition, ProviderConfig } from '../oauth/types'
import { createBoundedFetch } from '../oauth/fetch'
import type { Fetcher } from '../oauth/fetch'
import { TtlMap } from '../core/ttl-map'
import { AegisError } from '../core/errors'
import type { OAuthHandlerOptions } from '../../types'
import { sessionId } from '../sessions/provider-tokens'
import { createRevocationService } from '../revocation/service'
import type { RevocationService } from '../revocation/service'
import { resolveRevocationConfig } from '../revocation/config'
import type { ResolvedRevocationConfig, RevocationRuntimeConfig } from '../revocation/config'
import { accountsEnabled } from '../accounts/registry'
import { sameAccountProviders } from '../password/account'
import { emailProvider } from '../email/services'

/**
 * Everything the routes need, built once per process from the runtime config: the
 * verification key is imported once, globs compiled once, stores opened once.
 */
export interface AegisServices {
  config: AegisRuntimeConfig
  /**
   * The server's secret material for sealing and HMACs: `token.secret`, or the private key
   * when access tokens are asymmetric and no HMAC secret is set.
   */
  serverSecret: string
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
  /** Options of provider route handlers (customClaims ...), registered when their files load. */
  handlers: Map<string, OAuthHandlerOptions>
  /** OAuth providers by name (built-in and custom), registered when their route files load. */
  definitions: Map<string, OAuthProviderDefinition>
  /** `revocation` settings, resolved. */
  revocation: ResolvedRevocationConfig
  /** The revocation list: sessions whose access tokens are refused before they expire. */
  revocations: RevocationService
}

let services: AegisServices | undefined
const handlers = new Map<string, OAuthHandlerOptions>()
const definitions = new Map<string, OAuthProviderDefinition>()

export function useAegis(): AegisServices {
  if (services) return services
  // Read once, without the event: useRuntimeConfig(event) copies the whole config per call.
  const config = useRuntimeConfig().aegis as unknown as AegisRuntimeConfig
  const mock = config.providers.mock as RuntimeMockConfig | undefined
  const authCodeTtl = Number(config.authCode.expiresIn)
  const siteUrl = config.siteUrl || (useRuntimeConfig().public.siteUrl as string | undefined) || ''
  const expiresIn = parseDuration(config.token.expiresIn)!
  const revocation = resolveRevocationConfig((config as { revocation?: RevocationRuntimeConfig }).revocation)
  // Redis expires records by itself (TTL); fs, memory and most others need the sweep.
  const sweep = () => (useStorage().getMount('aegis:refresh').driver as { name?: string }).name !== 'redis'
  const revocations = createRevocationService({
    enabled: revocation.enabled && config.tokenRefresh.enabled,
    storage: useStorage('aegis:refresh'),
    prefix: config.tokenRefresh.prefix,
    locks: lazyLocks(() => locksForMount(useStorage(), 'aegis:refresh', config.tokenRefresh.prefix)),
    // No token is accepted longer than this after its iat (maxTokenAge), whatever its exp says.
    lifetime: expiresIn + CLOCK_TOLERANCE,
    refreshMs: revocation.refreshMs,
    staleAfterMs: revocation.staleAfterMs,
    onStale: revocation.onStale,
    driver: () => useStorage().getMount('aegis:refresh').driver as never,
    sweep,
  })
  services = {
    config,
    serverSecret: config.token.secret || config.token.privateKey,
    siteOrigin: siteUrl ? new URL(siteUrl).origin : '',
    tokens: createTokenService({
      secret: config.token.secret,
      algorithm: config.token.algorithm as 'HS256' | AsymmetricAlgorithm,
      keys: config.token.algorithm === 'HS256'
        ? undefined
        : loadSigningKeys(config.token.privateKey, config.token.algorithm as AsymmetricAlgorithm, listOption(config.token.previousPublicKeys)),
      issuer: config.token.issuer,
      audience: config.token.audience,
      expiresIn,
      revoked: revocations.enabled ? revocations.refuses : undefined,
      ready: revocations.ready,
    }),
    codes: config.authCode.shared
      ? createStorageCodeStore(useStorage('aegis:codes'), { ttlSeconds: authCodeTtl, locks: lazyLocks(() => locksForMount(useStorage(), 'aegis:codes', '')) })
      : createMemoryCodeStore({ ttlSeconds: authCodeTtl }),
    sessions: createSessionStore({
      storage: useStorage('aegis:refresh'),
      compareAndSet: compareAndSetForMount(useStorage(), 'aegis:refresh', useStorage('aegis:refresh')),
      prefix: config.tokenRefresh.prefix,
      idleTimeout: Number(config.tokenRefresh.cookie.maxAge),
      absoluteTimeout: parseDuration(config.tokenRefresh.absoluteTimeout ?? '30d')!,
      rotation: config.tokenRefresh.rotation,
      reuseInterval: Number(config.tokenRefresh.reuseInterval),
      locks: lazyLocks(() => locksForMount(useStorage(), 'aegis:refresh', config.tokenRefresh.prefix)),
      sweep,
      onEnd: familyId => revocations.revoke(sessionId(familyId)),
      onClaimsChange: (familyId, claimsAt) => revocations.revoke(sessionId(familyId), claimsAt),
      // With defineAccounts, sub is the app's user id for every method: sessions are per person.
      perSub: accountsEnabled,
      // Without accounts: the password and email-code logins of one account id are one person,
      // when the app said both read the same accounts (never by default: ids of two tables collide).
      samePerson: provider => sameAccountProviders(provider, emailProvider()?.sharesAccountsWith === 'password'),
      codec: config.encryption.enabled
        ? createEncryptedCodec([config.encryption.key, ...encryptionPreviousKeys(config.encryption)!])
        : plainCodec,
    }),
    matcher: createRouteMatcher(config.routeProtection.protectedRoutes ?? [], config.routeProtection.publicRoutes ?? []),
    transactions: createTransactionSealer(config.token.secret || config.token.privateKey),
    usedStates: new TtlMap<true>(10_000).sweepEvery(60_000),
    mockIdp: createMockIdp(() => ({
      clientId: mock?.clientId ?? '',
      clientSecret: mock?.clientSecret || undefined,
      mockUsers: mock?.mockUsers ?? DEFAULT_MOCK_USERS,
      defaultUser: mock?.defaultUser,
    })),
    handlers,
    definitions,
    revocation,
    revocations,
  }
  return services
}

/** Registers a provider route's options (claims function ...) so refresh can use them. */
export function registerProviderHandler(provider: string, options: OAuthHandlerOptions): void {
  handlers.set(provider, options)
}

/** Registers an OAuth provider's declaration, so its tokens can be refreshed outside its route. */
export function registerOAuthProvider(def: OAuthProviderDefinition): void {
  definitions.set(def.name, def)
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

/**
 * HTTP to a provider: a timeout (the provider's `timeout` option, 10 s by default), a size cap,
 * no redirects. The built-in mock is on this app's own origin and is called in process.
 */
export function providerFetch(def: OAuthProviderDefinition, config: ProviderConfig, ctx: EngineContext): Fetcher {
  const timeout = Number(config.timeout)
  return createBoundedFetch({
    timeoutMs: timeout > 0 ? timeout : undefined,
    local: def.local ? { origin: ctx.origin, fetch: (path, init) => useNitroApp().localFetch(path, init as RequestInit) } : undefined,
  })
}
