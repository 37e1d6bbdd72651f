import { randomToken } from '../core/crypto'
import type { PendingSignIn } from '../credentials/signin'
import { useMfaServices } from './services'

interface StepRecord {
  v: 1
  pending: PendingSignIn
  attempts: number
  expiresAt: number
}

/** A step token: 256 random bits, base64url. */
export const STEP_TOKEN = /^[\w-]{43}$/

/**
 * Keeps a whole pending login (user, claims, amr, provider tokens, where to go next) sealed
 * under a random step token until its second factor: short-lived, single use, a few attempts.
 */
export async function issueStep(pending: PendingSignIn): Promise<{ stepToken: string, expiresIn: number }> {
  const { storage, seal, keyOf, config } = useMfaServices()
  const stepToken = randomToken(32)
  const key = keyOf('step', stepToken)
  const ttl = Number(config.step.expiresIn)
  const record: StepRecord = { v: 1, pending, attempts: 0, expiresAt: Date.now() + ttl * 1000 }
  await storage.setItem(key, seal(key, record), { ttl })
  return { stepToken, expiresIn: ttl }
}

async function read(key: string): Promise<StepRecord | undefined> {
  const { storage, open } = useMfaServices()
  const record = open<StepRecord>(key, await storage.getItem(key))
  if (!record || record.v !== 1 || record.expiresAt <= Date.now()) return undefined
  return record
}

/** The pending login of a live step token (not spent), or undefined. */
export async function peekStep(stepToken: string): Promise<PendingSignIn | undefined> {
  return (await read(useMfaServices().keyOf('step', stepToken)))?.pending
}

/**
 * One attempt at the step, alone per token (across instances on Redis): `check` passes → the
 * token is spent and the pending login returned; fails → counted, dead after `maxAttempts`.
 */
export function attemptStep(stepToken: string, check: (pending: PendingSignIn) => Promise<boolean>): Promise<PendingSignIn | undefined> {
  const { storage, seal, keyOf, serialize, config } = useMfaServices()
  const key = keyOf('step', stepToken)
  return serialize(key, async () => {
    const record = await read(key)
    if (!record) {
      await storage.removeItem(key)
      return undefined
    }
    if (await check(record.pending)) {
      await storage.removeItem(key)
      return record.pending
    }
    record.attempts++
    if (record.attempts >= Number(config.step.maxAttempts)) await storage.removeItem(key)
    else await storage.setItem(key, seal(key, record), { ttl: Math.max(1, Math.ceil((record.expiresAt - Date.now()) / 1000)) })
    return undefined
  })
}
