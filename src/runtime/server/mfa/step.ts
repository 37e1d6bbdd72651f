import { randomToken, safeEqual, sha256 } from '../core/crypto'
import type { PendingSignIn } from '../credentials/signin'
import { useMfaServices } from './services'

interface StepRecord {
  v: 1
  pending: PendingSignIn
  attempts: number
  expiresAt: number
  /** SHA-256 of the step cookie's value: the step only goes on in the browser that logged in. */
  binding: string
}

/** A step token: 256 random bits, base64url. */
export const STEP_TOKEN = /^[\w-]{43}$/

/** The storage key of a step (an HMAC of its token): also how a CODE's tombstone names the step it started. */
export const stepKey = (stepToken: string) => useMfaServices().keyOf('step', stepToken)

/**
 * Keeps a whole pending login (user, claims, amr, provider tokens, where to go next) sealed
 * under a random step token until its second factor: short-lived, single use, a few attempts,
 * bound to the browser by `binding` (the random value of its step cookie).
 */
export async function issueStep(pending: PendingSignIn): Promise<{ stepToken: string, expiresIn: number, binding: string }> {
  const { storage, seal, config } = useMfaServices()
  const stepToken = randomToken(32)
  const binding = randomToken(32)
  const key = stepKey(stepToken)
  const ttl = Number(config.step.expiresIn)
  const record: StepRecord = { v: 1, pending, attempts: 0, expiresAt: Date.now() + ttl * 1000, binding: sha256(binding) }
  await storage.setItem(key, seal(key, record), { ttl })
  return { stepToken, expiresIn: ttl, binding }
}

/** The live record under `key` when `binding` is its own; undefined otherwise (unknown, expired, another browser). */
async function read(key: string, binding: string): Promise<StepRecord | undefined> {
  const { storage, open } = useMfaServices()
  const record = open<StepRecord>(key, await storage.getItem(key))
  if (!record || record.v !== 1 || record.expiresAt <= Date.now()) return undefined
  if (!binding || typeof record.binding !== 'string' || !safeEqual(record.binding, sha256(binding))) return undefined
  return record
}

/** The pending login of a live step token presented with its binding, or undefined. */
export async function peekStep(stepToken: string, binding: string): Promise<PendingSignIn | undefined> {
  return (await read(stepKey(stepToken), binding))?.pending
}

/**
 * One attempt at the step, alone per token (across instances on Redis): `check` passes → the
 * token is spent and the pending login returned (`done`); fails → counted, dead after
 * `maxAttempts` (`done` once it is). A request without the step's binding changes nothing.
 */
export function attemptStep(stepToken: string, binding: string, check: (pending: PendingSignIn) => Promise<boolean>): Promise<{ pending?: PendingSignIn, done: boolean }> {
  const { storage, seal, serialize, config } = useMfaServices()
  const key = stepKey(stepToken)
  return serialize(key, async () => {
    const record = await read(key, binding)
    // Unknown, spent, or another browser's: nothing to count, and nothing removed (the right browser may still finish it).
    if (!record) return { done: true }
    if (await check(record.pending)) {
      await storage.removeItem(key)
      return { pending: record.pending, done: true }
    }
    record.attempts++
    if (record.attempts >= Number(config.step.maxAttempts)) {
      await storage.removeItem(key)
      return { done: true }
    }
    await storage.setItem(key, seal(key, record), { ttl: Math.max(1, Math.ceil((record.expiresAt - Date.now()) / 1000)) })
    return { done: false }
  })
}

/** Ends a step by its key (the CODE that started it was replayed): its login can no longer finish. */
export async function cancelStep(key: string): Promise<void> {
  if (!key.startsWith('mfa:step:')) return
  const { storage, serialize } = useMfaServices()
  await serialize(key, () => storage.removeItem(key))
}
