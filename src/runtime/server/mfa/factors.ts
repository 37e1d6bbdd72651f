import type { H3Event } from 'h3'
import { AegisError, log } from '../core/errors'
import { fingerprint } from '../core/crypto'
import { canonicalRecoveryCode, hashRecoveryCode, newRecoveryCodes, spendRecoveryCode } from './recovery'
import { enrolmentUri, newTotpSecret, totpStep } from './totp'
import { mfaProvider, useMfaServices } from './services'
import type { MfaProviderDefinition, MfaUser, StoredFactors } from './types'

/** A typed second factor: an authenticator code, or one of the recovery codes. */
export type FactorInput = { code: string } | { recoveryCode: string }

/** The app's registered callbacks; without them no login of a user with a factor can finish (fail closed). */
export function provider(): MfaProviderDefinition {
  const definition = mfaProvider()
  if (!definition) {
    log.error('mfa is configured but no server plugin called defineMfaProvider({ findFactors, saveFactors })')
    throw new AegisError(500, 'server_error', 'mfa provider has no callbacks')
  }
  return definition
}

/** The associated data of a user's sealed secret: it cannot be moved to another user. */
const secretContext = (sub: string) => `nuxt-aegis:mfa:totp:${sub}`

/**
 * The user's enrolled factors, or undefined. Anything else than a well-formed record is an
 * error (fail closed: a damaged record must not turn the second factor off).
 */
export async function findFactors(event: H3Event, user: MfaUser): Promise<StoredFactors | undefined> {
  const found = await provider().findFactors(user, event)
  if (found === null || found === undefined) return undefined
  if (found.v !== 1 || typeof found.totp?.secret !== 'string' || !Array.isArray(found.recoveryCodes)) {
    log.error(`findFactors returned a malformed record for ${fingerprint(user.sub)}: login refused`)
    throw new AegisError(500, 'server_error', 'malformed second-factor record')
  }
  return found
}

function openSecret(user: MfaUser, factors: StoredFactors): string {
  const opened = useMfaServices().open<{ secret: string }>(secretContext(user.sub), factors.totp.secret)
  if (!opened || typeof opened.secret !== 'string') {
    log.error(`the TOTP secret of ${fingerprint(user.sub)} cannot be opened (another encryption key, or another user's record)`)
    throw new AegisError(500, 'server_error', 'unreadable TOTP secret')
  }
  return opened.secret
}

/**
 * Accepts a code of `secret` once: valid within ±1 step and of a later step than the last one
 * accepted for the user (RFC 6238 §5.2). Counted under a lock shared by instances on Redis.
 */
async function acceptTotp(sub: string, secret: string, code: string): Promise<boolean> {
  const step = totpStep(secret, code)
  if (step === undefined) return false
  const { storage, serialize, keyOf } = useMfaServices()
  const key = keyOf('last-step', sub)
  return serialize(key, async () => {
    const last = await storage.getItem<{ step: number }>(key)
    if (last && typeof last.step === 'number' && last.step >= step) return false
    // Longer than the ±1 step window: a replay is refused for as long as its code is valid.
    await storage.setItem(key, { step }, { ttl: 180 })
    return true
  })
}

/**
 * Checks a fresh second factor of the user: an authenticator code not used before, or a
 * recovery code (spent: stored again without it). False for anything else.
 */
export async function checkFactor(event: H3Event, user: MfaUser, input: FactorInput): Promise<boolean> {
  const { serialize, keyOf } = useMfaServices()
  if ('code' in input) {
    const factors = await findFactors(event, user)
    return factors ? acceptTotp(user.sub, openSecret(user, factors), input.code) : false
  }
  if (!canonicalRecoveryCode(input.recoveryCode)) return false
  // One spend at a time per user: two parallel requests with one code, one wins.
  return serialize(keyOf('user', user.sub), async () => {
    const factors = await findFactors(event, user)
    const left = factors && spendRecoveryCode(user.sub, factors.recoveryCodes, input.recoveryCode)
    if (!factors || !left) return false
    await provider().saveFactors(user, { ...factors, recoveryCodes: left }, event)
    return true
  })
}

/** Starts an enrolment: a new secret kept server-side (sealed, short-lived) until its first code. */
export async function startEnrolment(event: H3Event, user: MfaUser): Promise<{ uri: string, qr: string, secret: string, expiresIn: number }> {
  if (await findFactors(event, user)) throw new AegisError(409, 'mfa_already_enabled')
  const { storage, seal, keyOf, config } = useMfaServices()
  const secret = newTotpSecret()
  const key = keyOf('enrol', user.sub)
  const ttl = Number(config.enrollExpiresIn)
  await storage.setItem(key, seal(key, { sub: user.sub, secret }), { ttl })
  return { ...enrolmentUri(secret, String(config.issuer || 'nuxt-aegis'), user.email || user.sub), secret, expiresIn: ttl }
}

/** Activates the pending enrolment with its first valid code; returns the ten recovery codes (shown once). */
export async function confirmEnrolment(event: H3Event, user: MfaUser, code: string): Promise<string[]> {
  const { storage, seal, open, keyOf, serialize } = useMfaServices()
  const key = keyOf('enrol', user.sub)
  return serialize(keyOf('user', user.sub), async () => {
    if (await findFactors(event, user)) throw new AegisError(409, 'mfa_already_enabled')
    const pending = open<{ sub: string, secret: string }>(key, await storage.getItem(key))
    if (!pending || pending.sub !== user.sub) throw new AegisError(400, 'invalid_mfa_code', 'no enrolment in progress')
    if (!await acceptTotp(user.sub, pending.secret, code)) throw new AegisError(400, 'invalid_mfa_code', 'wrong first code')
    const recoveryCodes = newRecoveryCodes()
    await provider().saveFactors(user, {
      v: 1,
      totp: { secret: seal(secretContext(user.sub), { secret: pending.secret }), createdAt: Date.now() },
      recoveryCodes: recoveryCodes.map(value => hashRecoveryCode(user.sub, value)),
    }, event)
    await storage.removeItem(key)
    return recoveryCodes
  })
}

/** Removes the user's factors after a fresh one (an unused authenticator code or a recovery code). */
export async function disableFactors(event: H3Event, user: MfaUser, input: FactorInput): Promise<void> {
  if (!await findFactors(event, user)) throw new AegisError(409, 'mfa_not_enabled')
  if (!await checkFactor(event, user, input)) throw new AegisError(400, 'invalid_mfa_code')
  await useMfaServices().serialize(useMfaServices().keyOf('user', user.sub), async () => {
    await provider().saveFactors(user, null, event)
  })
}
