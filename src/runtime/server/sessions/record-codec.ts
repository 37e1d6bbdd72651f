import { deriveKey, fingerprint, seal, unseal } from '../core/crypto'

/**
 * How session records look at rest. Plain: the object itself (unstorage stores JSON).
 * Encrypted: `aegis-enc.<kid>.<sealed>`, AES-256-GCM with a random IV per write, the storage
 * key as associated data (a record cannot be moved to another key), and a key id so that a
 * new key can be added while records written with an older one still open.
 */
export interface RecordCodec {
  readonly encrypted: boolean
  encode: (storageKey: string, record: object) => unknown
  /** The record, `undefined` for nothing stored, or `'unreadable'` (wrong key, tampered, unencrypted). */
  decode: <T>(storageKey: string, raw: unknown) => T | undefined | 'unreadable'
  /** False when a stored value was written with an older key (and should be written again). */
  isCurrent: (raw: unknown) => boolean
}

const PREFIX = 'aegis-enc'

export const plainCodec: RecordCodec = {
  encrypted: false,
  encode: (_key, record) => record,
  decode: <T>(_key: string, raw: unknown) => {
    if (raw === null || raw === undefined) return undefined
    return typeof raw === 'object' ? raw as T : 'unreadable'
  },
  isCurrent: () => true,
}

/** The key id of an encryption secret: a short fingerprint of a key derived for that purpose only. */
export function encryptionKeyId(secret: string): string {
  return fingerprint(deriveKey(secret, 'session-records:kid').toString('base64url')).slice(0, 8)
}

/**
 * Encrypts with the first secret; opens records of any of them. Secrets are turned into
 * AES keys with HKDF (never padded or truncated).
 */
export function createEncryptedCodec(secrets: string[]): RecordCodec {
  if (!secrets.length) throw new Error('createEncryptedCodec needs at least one key')
  const keys = new Map(secrets.map(secret => [encryptionKeyId(secret), deriveKey(secret, 'session-records')]))
  const [currentId] = keys.keys()
  const currentKey = keys.get(currentId!)!
  return {
    encrypted: true,
    encode(storageKey, record) {
      return `${PREFIX}.${currentId}.${seal(currentKey, JSON.stringify(record), storageKey)}`
    },
    decode<T>(storageKey: string, raw: unknown) {
      if (raw === null || raw === undefined) return undefined
      if (typeof raw !== 'string' || !raw.startsWith(`${PREFIX}.`)) return 'unreadable'
      const [, kid, ...sealed] = raw.split('.')
      const key = keys.get(kid!)
      const plain = key ? unseal(key, sealed.join('.'), storageKey) : undefined
      if (plain === undefined) return 'unreadable'
      try {
        return JSON.parse(plain) as T
      }
      catch {
        return 'unreadable'
      }
    },
    isCurrent: raw => typeof raw === 'string' && raw.startsWith(`${PREFIX}.${currentId}.`),
  }
}
