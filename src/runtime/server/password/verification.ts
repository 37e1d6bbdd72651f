import { createHmac, randomInt } from 'node:crypto'
import type { Storage } from 'unstorage'
import { randomToken, safeEqual } from '../core/crypto'
import { createKeyedQueue } from '../core/serialize'
import { storageCall } from '../core/storage-io'
import type { Locks } from '../core/locks'

/** What a code is for: it works for that purpose and that email only. */
export type CodePurpose = 'verify' | 'login' | 'reset'

export interface VerificationOptions {
  /** Server secret: codes and emails are stored as HMACs under it. */
  secret: string
  /** Seconds a code stays valid. */
  ttl: number
  /** Wrong entries before the code is dead. */
  maxAttempts: number
  /** Digits of the code. */
  digits: number
  /** Locks shared between instances (Redis), so attempts are counted one by one everywhere. */
  locks?: Locks
  now?: () => number
}

export interface IssuedCode {
  /** The short code to type in (digits). */
  code: string
  /** The long link token (`<record id>.<256 random bits>`) for an emailed link; confirmed by POST only. */
  token: string
  expiresIn: number
}

interface VerificationRecord {
  v: 1
  email: string
  purpose: CodePurpose
  codeHash: string
  linkHash: string
  expiresAt: number
  attempts: number
}

export type CheckResult = { ok: true, email: string } | { ok: false }

const LINK_PATTERN = /^([\w-]{43})\.([\w-]{43})$/

/**
 * One-time verification codes bound to (email, purpose): short-lived, single use, a limited
 * number of wrong entries counted one by one (serialized per key), and a long link token for
 * the same record. A new code for the same email and purpose replaces the old one.
 */
export function createVerificationStore(storage: Storage, options: VerificationOptions) {
  const now = options.now ?? Date.now
  const queue = createKeyedQueue(options.locks)
  const mac = (value: string) => createHmac('sha256', options.secret).update(`nuxt-aegis:verification:${value}`).digest('base64url')
  const idOf = (email: string, purpose: CodePurpose) => mac(`${purpose}:${email}`)
  const keyOf = (id: string) => `vc:${id}`

  /** Runs one check under the key's queue: counts the attempt, deletes on success or when attempts run out. */
  function attempt(id: string, purpose: CodePurpose, matches: (record: VerificationRecord) => boolean): Promise<CheckResult> {
    const key = keyOf(id)
    return queue(key, () => storageCall('credentials storage verification code check', async () => {
      const record = await storage.getItem<VerificationRecord>(key)
      if (!record || record.v !== 1 || record.purpose !== purpose) return { ok: false }
      if (record.expiresAt <= now() || record.attempts >= options.maxAttempts) {
        await storage.removeItem(key)
        return { ok: false }
      }
      if (matches(record)) {
        await storage.removeItem(key)
        return { ok: true, email: record.email }
      }
      record.attempts++
      if (record.attempts >= options.maxAttempts) await storage.removeItem(key)
      else await storage.setItem(key, record, { ttl: ttlOf(record) })
      return { ok: false }
    }))
  }

  const ttlOf = (record: VerificationRecord) => Math.max(1, Math.ceil((record.expiresAt - now()) / 1000))

  return {
    async issue(email: string, purpose: CodePurpose): Promise<IssuedCode> {
      const id = idOf(email, purpose)
      const code = String(randomInt(0, 10 ** options.digits)).padStart(options.digits, '0')
      const secret = randomToken(32)
      const record: VerificationRecord = {
        v: 1, email, purpose, attempts: 0,
        codeHash: mac(`code:${id}:${code}`),
        linkHash: mac(`link:${id}:${secret}`),
        expiresAt: now() + options.ttl * 1000,
      }
      await queue(keyOf(id), () => storageCall('credentials storage verification code write', () => storage.setItem(keyOf(id), record, { ttl: options.ttl })))
      return { code, token: `${id}.${secret}`, expiresIn: options.ttl }
    },

    /** Checks a typed code for (email, purpose). */
    checkCode(email: string, purpose: CodePurpose, code: string): Promise<CheckResult> {
      const id = idOf(email, purpose)
      return attempt(id, purpose, record => safeEqual(record.codeHash, mac(`code:${id}:${code}`)))
    },

    /** Checks a link token for `purpose`; the email comes from the record. */
    async checkLink(purpose: CodePurpose, token: string): Promise<CheckResult> {
      const match = LINK_PATTERN.exec(token)
      if (!match) return { ok: false }
      const [, id, secret] = match as unknown as [string, string, string]
      return attempt(id, purpose, record => safeEqual(record.linkHash, mac(`link:${id}:${secret}`)) && safeEqual(id, idOf(record.email, purpose)))
    },
  }
}

export type VerificationStore = ReturnType<typeof createVerificationStore>
