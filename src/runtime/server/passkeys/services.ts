import { createHmac } from 'node:crypto'
import type { H3Event } from 'h3'
import { getRequestURL } from 'h3'
import { useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { createStorage } from 'unstorage'
import type { Storage } from 'unstorage'
import memoryDriver from '../core/memory-driver'
import { createMemoryLocks, lazyLocks, locksForMount } from '../core/locks'
import type { Locks } from '../core/locks'
import { createKeyedQueue } from '../core/serialize'
import { createRateLimiter } from '../core/rate-limit'
import type { RateLimiter } from '../core/rate-limit'
import { trustedHops } from '../core/client-ip'
import { AegisError } from '../core/errors'
import { useAegis } from '../context/services'
import type { ResolvedPasskeyOptions } from '../../../setup/passkey-options'
import { createChallengeStore } from './challenges'
import type { ChallengeStore } from './challenges'
import { relyingPartyOf } from './config'
import type { PasskeyProviderDefinition } from './types'
import { registerPasskeyRemover } from './accounts'

export interface PasskeyServices {
  config: ResolvedPasskeyOptions
  challenges: ChallengeStore
  limiter: RateLimiter
  trustProxy: number
  /** Runs the read-check-write of one credential (a login moving its counter) alone, across instances on Redis. */
  serializeCredential: <T>(id: string, fn: () => Promise<T>) => Promise<T>
  /** The WebAuthn user handle of a user: an HMAC of the `sub`, so authenticators never hold the app's id. */
  userHandle: (userId: string) => string
}

let services: PasskeyServices | undefined
let definition: PasskeyProviderDefinition | undefined

/**
 * Challenges and counters live in the module's code store: the `aegis:codes` mount when
 * `authCode.storage` is set (shared between instances, e.g. Redis), else a bounded memory
 * store of this process.
 */
function challengeStorage(shared: boolean): { storage: Storage, locks: Locks } {
  if (shared) return { storage: useStorage('aegis:codes'), locks: lazyLocks(() => locksForMount(useStorage(), 'aegis:codes', 'passkey:')) }
  return { storage: createStorage({ driver: memoryDriver({ maxEntries: 100_000 }) }), locks: createMemoryLocks() }
}

export function usePasskeyServices(): PasskeyServices {
  if (services) return services
  const runtime = useRuntimeConfig()
  // Checked by the passkey start-up plugin (passkeys/startup.ts) before any request.
  const config = runtime.aegisPasskey as unknown as ResolvedPasskeyOptions
  const aegis = useAegis()
  const { storage, locks } = challengeStorage(Boolean(aegis.config.authCode.shared))
  const queue = createKeyedQueue(locks)
  services = {
    config,
    challenges: createChallengeStore(storage, { ttlSeconds: Number(config.challengeTtl), locks }),
    limiter: createRateLimiter(storage, { secret: aegis.serverSecret, locks }),
    trustProxy: trustedHops(runtime.aegisTrustProxy),
    serializeCredential: (id, fn) => queue(`passkey:cred:${createHmac('sha256', aegis.serverSecret).update(id).digest('base64url')}`, fn),
    userHandle: userId => createHmac('sha256', aegis.serverSecret).update(`nuxt-aegis:passkey-user:${userId}`).digest('base64url'),
  }
  return services
}

/** The relying party for this request: from `siteUrl`; in dev without it, the request's own origin. */
export function relyingParty(event: H3Event): { rpID: string, origin: string } {
  const fromSite = relyingPartyOf(useAegis().siteOrigin)
  if (fromSite) return fromSite
  // Production without siteUrl refuses to start (passkeys/startup.ts); this is dev only.
  return relyingPartyOf(getRequestURL(event).origin)!
}

/** Called by `definePasskeyProvider`. */
export function registerPasskeyProvider(value: PasskeyProviderDefinition): void {
  definition = value
  registerPasskeyRemover(value)
}

/** The app's callbacks; 404 `provider_disabled` while passkeys are off or no provider is registered. */
export function passkeyProvider(): PasskeyProviderDefinition {
  const enabled = (useRuntimeConfig().aegisPasskey as { enabled?: unknown } | undefined)?.enabled
  if (!definition || enabled === false || enabled === 'false') throw new AegisError(404, 'provider_disabled', 'passkeys are off or no definePasskeyProvider is registered')
  return definition
}
