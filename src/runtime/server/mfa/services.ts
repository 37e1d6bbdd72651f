import { createHmac } from 'node:crypto'
import { useRuntimeConfig, useStorage } from 'nitropack/runtime'
import type { Storage } from 'unstorage'
import type { ResolvedMfaOptions } from '../../../setup/mfa-options'
import { deriveKey } from '../core/crypto'
import { lazyLocks, locksForMount } from '../core/locks'
import type { HeldLock } from '../core/locks'
import { createKeyedQueue } from '../core/serialize'
import { createEncryptedCodec } from '../sessions/record-codec'
import type { RecordCodec } from '../sessions/record-codec'
import { encryptionPreviousKeys } from '../context/config'
import { useAegis } from '../context/services'
import type { MfaProviderDefinition } from './types'

export interface MfaServices {
  config: ResolvedMfaOptions
  /** Pending enrolments, step tokens and the last accepted TOTP step per user (`aegis:credentials`). */
  storage: Storage
  /** AES-256-GCM for TOTP secrets and pending logins: the sessions' record codec, under keys derived for this purpose; `context` is bound in. */
  seal: (context: string, record: object) => string
  /** The record sealed under `context`, or undefined (nothing, another key or context, tampered). */
  open: <T>(context: string, raw: unknown) => T | undefined
  /** Runs one read-modify-write per key alone, across instances when the store is Redis. */
  serialize: <T>(key: string, fn: (held?: HeldLock) => Promise<T>) => Promise<T>
  /** A storage key for `kind` and a user or token, an HMAC under the server secret (never the raw value). */
  keyOf: (kind: string, value: string) => string
}

let services: MfaServices | undefined
let definition: MfaProviderDefinition | undefined

/**
 * The encryption secrets: `tokenRefresh.encryption.key` (and its `previousKeys`) when set, so
 * one key protects everything at rest; otherwise the server secret (`token.secret`). Each is
 * turned into a key of its own for second factors, never the sessions' key itself.
 */
function factorSecrets(): string[] {
  const { config, serverSecret } = useAegis()
  const keys = config.encryption.key ? [config.encryption.key, ...encryptionPreviousKeys(config.encryption) ?? []] : [serverSecret]
  return keys.map(key => deriveKey(key, 'mfa-factors').toString('base64url'))
}

export function useMfaServices(): MfaServices {
  if (services) return services
  const config = useRuntimeConfig().aegisMfa as unknown as ResolvedMfaOptions
  const secret = useAegis().serverSecret
  const codec: RecordCodec = createEncryptedCodec(factorSecrets())
  const locks = lazyLocks(() => locksForMount(useStorage(), 'aegis:credentials', 'credentials:'))
  services = {
    config,
    storage: useStorage('aegis:credentials'),
    seal: (context, record) => codec.encode(context, record) as string,
    open: <T>(context: string, raw: unknown) => {
      const value = codec.decode<T>(context, raw)
      return value === 'unreadable' ? undefined : value
    },
    serialize: createKeyedQueue(locks),
    keyOf: (kind, value) => `mfa:${kind}:${createHmac('sha256', secret).update(`nuxt-aegis:mfa:${kind}:${value}`).digest('base64url')}`,
  }
  return services
}

export function registerMfaProvider(value: MfaProviderDefinition): void {
  definition = value
}

export function mfaProvider(): MfaProviderDefinition | undefined {
  return definition
}
