import { useRuntimeConfig, useStorage } from 'nitropack/runtime'
import type { ResolvedEmailOptions } from '../../../setup/email-options'
import { lazyLocks, locksForMount } from '../core/locks'
import { createKeyedQueue } from '../core/serialize'
import { createVerificationStore } from '../password/verification'
import type { VerificationStore } from '../password/verification'
import { useAegis } from '../context/services'
import type { EmailProviderDefinition } from './types'

export interface EmailServices {
  config: ResolvedEmailOptions
  /** The password flows' code store (own lifetime and digits; purpose `email`), on `aegis:credentials`. */
  codes: VerificationStore
  /** Runs one sign-up of an address alone (in this process, and across instances on Redis). */
  serialize: <T>(key: string, fn: () => Promise<T>) => Promise<T>
}

let services: EmailServices | undefined
let definition: EmailProviderDefinition | undefined

/** Settings and the code store of the email login, built once per process. */
export function useEmailServices(): EmailServices {
  if (services) return services
  const config = useRuntimeConfig().aegisEmail as unknown as ResolvedEmailOptions
  // The same mount and locks as the password flows: one store for every emailed code.
  const locks = lazyLocks(() => locksForMount(useStorage(), 'aegis:credentials', 'credentials:'))
  services = {
    config,
    codes: createVerificationStore(useStorage('aegis:credentials'), {
      secret: useAegis().serverSecret,
      locks,
      ttl: Number(config.code.expiresIn),
      maxAttempts: Number(config.code.maxAttempts),
      digits: Number(config.code.digits),
    }),
    serialize: createKeyedQueue(locks),
  }
  return services
}

/** Called by `defineEmailProvider` at start-up. */
export function registerEmailProvider(value: EmailProviderDefinition): void {
  definition = value
}

export function emailProvider(): EmailProviderDefinition | undefined {
  return definition
}
