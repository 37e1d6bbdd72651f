import { createHmac, randomInt } from 'node:crypto'
import type { Storage } from 'unstorage'
import { randomToken, safeEqual } from '../core/crypto'
import { createKeyedQueue } from '../core/serialize'
import { storageCall } from '../core/storage-io'
import type { Locks } from '../core/locks'

/** What a code is for: it works for that purpose and that account only. */
export type CodePurpose = 'verify' | 'login' | 'reset' | 'email'

export interface VerificationOptions {
  /** Server secret: codes and subjects are stored as HMACs under it. */
  secret: string
  /** Seconds a code stays valid. */
  ttl: number
  /** Wrong entries before the code is dead. */
  maxAttempts: number
  /** Digits of the verification and login codes (reset codes have their own, longer shape). */
  digits: number
  /** Locks shared between instances (Redis), so attempts are counted one by one everywhere. */
  locks?: Locks
  now?: () => number
}

/**
 * Who a code is for: the account's id and its **stored** address. Codes are keyed by the id,
 * never by what a client typed, so look-alike spellings that the app's `findUser` matches
 * loosely share one code and one attempt budget.
 */
export interface CodeSubject {
  id: string
  email: string
}

export interface IssuedCode {
  /** The short code to type in. */
  code: string
  /** The long link token (`<record id>.<mail id>.<256 random bits>`) for an emailed link; confirmed by POST only. */
  token: string
  expiresIn: number
}

interface VerificationRecord {
  v: 2
  subject: string
  email: string
  purpose: CodePurpose
  codeHash: string
  linkHash: string
  /** Opaque value the code was issued for (a fingerprint of the password it may activate). */
  bind?: string
  expiresAt: number
  /** Wrong typed codes. */
  attempts: number
  /**
   * Wrong link secrets, a budget of their own: the link id is stable per account, so anyone who
   * once saw a link could otherwise burn the typed code of every later mail with wrong secrets.
   * Absent on records written before it existed (0).
   */
  linkAttempts?: number
  /**
   * Random per issued code: the link of an older mail names another one and is refused without
   * counting, so whoever once saw a link cannot spend the link budget of later mails. Absent on
   * records written before it existed (their links have no mail id).
   */
  mail?: string
}

/** The two ways into a record, each with its own budget of wrong entries. */
type Way = 'attempts' | 'linkAttempts'

export type CheckResult = { ok: true, subject: string, email: string, bind?: string } | { ok: false }

/** `<record id>.<mail id>.<secret>`; links mailed before mail ids existed lack the middle part. */
const LINK_PATTERN = /^([\w-]{43})\.(?:([\w-]{22})\.)?([\w-]{43})$/

/**
 * Reset codes lead to a new password, so they get a larger space than the digits of the other
 * codes: 10 characters from 31 unambiguous ones (no 0/O, 1/I/L), about 2^49.5. With 5 attempts per
 * code and the `code` rate limit, guessing one is hopeless (see docs/security.md).
 */
export const RESET_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
export const RESET_CODE_LENGTH = 10

/**
 * The canonical form of a typed code for `purpose`, or undefined when it cannot be one: digits
 * for verify and login; for reset, letters in any case with spaces and dashes ignored.
 */
export function canonicalCode(value: unknown, purpose: CodePurpose, digits: number): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined
  if (purpose !== 'reset') return value.length === digits && /^\d+$/.test(value) ? value : undefined
  const code = value.replace(/[\s-]/g, '').toUpperCase()
  return code.length === RESET_CODE_LENGTH && [...code].every(char => RESET_CODE_ALPHABET.includes(char)) ? code : undefined
}

function newCode(purpose: CodePurpose, digits: number): string {
  if (purpose !== 'reset') return String(randomInt(0, 10 ** digits)).padStart(digits, '0')
  return Array.from({ length: RESET_CODE_LENGTH }, () => RESET_CODE_ALPHABET[randomInt(0, RESET_CODE_ALPHABET.length)]).join('')
}

/**
 * One-time verification codes bound to (account, purpose): short-lived, single use, a limited
 * number of wrong entries counted one by one (serialized per key), and a long link token for
 * the same record. A new code for the same account and purpose replaces the old one.
 */
export function createVerificationStore(storage: Storage, options: VerificationOptions) {
  const now = options.now ?? Date.now
  const queue = createKeyedQueue(options.locks)
  const mac = (value: string) => createHmac('sha256', options.secret).update(`nuxt-aegis:verification:${value}`).digest('base64url')
  const idOf = (subject: string, purpose: CodePurpose) => mac(`${purpose}:account:${subject}`)
  const keyOf = (id: string) => `vc:${id}`
  const ttlOf = (record: VerificationRecord) => Math.max(1, Math.ceil((record.expiresAt - now()) / 1000))

  /**
   * Runs one check under the key's queue: counts a miss in the budget of its way (typed code or
   * link), deletes on success or when both budgets are spent. A way whose budget is spent is
   * refused while the other still works. An entry that `applies` not to the record (a link of an
   * older mail) is refused without counting.
   */
  function attempt(id: string, purpose: CodePurpose, way: Way, matches: (record: VerificationRecord) => boolean, applies: (record: VerificationRecord) => boolean = () => true): Promise<CheckResult> {
    const key = keyOf(id)
    return queue(key, () => storageCall('credentials storage verification code check', async () => {
      const record = await storage.getItem<VerificationRecord>(key)
      if (!record || record.v !== 2 || record.purpose !== purpose) return { ok: false }
      if (record.expiresAt <= now()) {
        await storage.removeItem(key)
        return { ok: false }
      }
      if (!applies(record) || (record[way] ?? 0) >= options.maxAttempts) return { ok: false }
      if (matches(record)) {
        await storage.removeItem(key)
        return { ok: true, subject: record.subject, email: record.email, ...(record.bind ? { bind: record.bind } : {}) }
      }
      record[way] = (record[way] ?? 0) + 1
      if (record.attempts >= options.maxAttempts && (record.linkAttempts ?? 0) >= options.maxAttempts) await storage.removeItem(key)
      else await storage.setItem(key, record, { ttl: ttlOf(record) })
      return { ok: false }
    }))
  }

  return {
    /** A new code for `subject` (replacing an older one for the same purpose); `bind` comes back from a successful check. */
    async issue(subject: CodeSubject, purpose: CodePurpose, bind?: string): Promise<IssuedCode> {
      const id = idOf(subject.id, purpose)
      const code = newCode(purpose, options.digits)
      const secret = randomToken(32)
      const mail = randomToken(16)
      const record: VerificationRecord = {
        v: 2, subject: subject.id, email: subject.email, purpose, attempts: 0, linkAttempts: 0,
        codeHash: mac(`code:${id}:${code}`),
        linkHash: mac(`link:${id}:${secret}`),
        ...(bind ? { bind } : {}),
        mail,
        expiresAt: now() + options.ttl * 1000,
      }
      await queue(keyOf(id), () => storageCall('credentials storage verification code write', () => storage.setItem(keyOf(id), record, { ttl: options.ttl })))
      return { code, token: `${id}.${mail}.${secret}`, expiresIn: options.ttl }
    },

    /** Checks a typed code (in its canonical form) for (account id, purpose). */
    checkCode(subject: string, purpose: CodePurpose, code: string): Promise<CheckResult> {
      const id = idOf(subject, purpose)
      return attempt(id, purpose, 'attempts', record => safeEqual(record.codeHash, mac(`code:${id}:${code}`)))
    },

    /** Checks a link token for `purpose`; the account comes from the record. */
    async checkLink(purpose: CodePurpose, token: string): Promise<CheckResult> {
      const match = LINK_PATTERN.exec(token)
      if (!match) return { ok: false }
      const [, id, mail, secret] = match as unknown as [string, string, string | undefined, string]
      return attempt(id, purpose, 'linkAttempts',
        record => safeEqual(record.linkHash, mac(`link:${id}:${secret}`)) && safeEqual(id, idOf(record.subject, purpose)),
        // Only a link of the mail the record was issued for counts (a record without a mail id takes links without one).
        record => (record.mail === undefined ? mail === undefined : mail !== undefined && safeEqual(mail, record.mail)))
    },
  }
}

export type VerificationStore = ReturnType<typeof createVerificationStore>
