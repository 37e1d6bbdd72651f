import { createHmac } from 'node:crypto'
import { useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { lookalikeKey } from './account'
import { createKeyedQueue } from '../core/serialize'
import type { ResolvedPasswordOptions } from '../../../setup/password-options'
import { hashPassword, scryptParams } from './hash'
import type { ScryptParams } from './hash'
import { createRateLimiter } from '../core/rate-limit'
import type { RateLimiter } from '../core/rate-limit'
import { createVerificationStore } from './verification'
import type { VerificationStore } from './verification'
import { trustedHops } from '../core/client-ip'
import { lazyLocks, locksForMount } from '../core/locks'
import type { HeldLock } from '../core/locks'
import { useAegis } from '../context/services'
import type { PasswordProviderDefinition } from './types'

export interface PasswordServices {
  config: ResolvedPasswordOptions
  scrypt: ScryptParams
  trustProxy: number
  limiter: RateLimiter
  codes: VerificationStore
  /** A hash of a random password with the current parameters: unknown users are verified against it. */
  dummyHash: () => Promise<string>
  /**
   * Runs a flow's read-then-write of one account (look up, check, persist) alone: per address,
   * folded as a loose collation folds it, in this process and across instances on Redis.
   */
  serializeAccount: <T>(email: string, fn: (held?: HeldLock) => Promise<T>) => Promise<T>
}

let services: PasswordServices | undefined
let definition: PasswordProviderDefinition | undefined

/** Codes, counters and settings of the credential flows, built once per process. */
export function usePasswordServices(): PasswordServices {
  if (services) return services
  const runtime = useRuntimeConfig()
  const config = runtime.aegisPassword as unknown as ResolvedPasswordOptions
  // Its settings were checked by the start-up plugin (context/startup.ts), before any request.
  const storage = useStorage('aegis:credentials')
  const scrypt = scryptParams(config.scrypt)
  let dummy: Promise<string> | undefined
  const secret = useAegis().serverSecret
  // Counters and code attempts are counted under a lock that holds across instances on Redis.
  const locks = lazyLocks(() => locksForMount(useStorage(), 'aegis:credentials', 'credentials:'))
  const accounts = createKeyedQueue(locks)
  services = {
    config,
    scrypt,
    trustProxy: trustedHops(runtime.aegisTrustProxy),
    limiter: createRateLimiter(storage, { secret, locks }),
    codes: createVerificationStore(storage, {
      secret,
      locks,
      ttl: Number(config.code.expiresIn),
      maxAttempts: Number(config.code.maxAttempts),
      digits: Number(config.code.digits),
    }),
    dummyHash: () => (dummy ??= hashPassword(crypto.randomUUID(), scrypt)),
    serializeAccount: (email, fn) => accounts(`acct:${createHmac('sha256', secret).update(`nuxt-aegis:account-lock:${lookalikeKey(email)}`).digest('base64url')}`, fn),
  }
  return services
}

/** Called by `definePasswordProvider`'s plugin at start-up. */
export function registerPasswordProvider(value: PasswordProviderDefinition): void {
  definition = value
}

export function passwordProvider(): PasswordProviderDefinition | undefined {
  return definition
}
