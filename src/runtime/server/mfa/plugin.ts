import { defineNitroPlugin } from 'nitropack/runtime'
import { AegisError } from '../core/errors'
import { registerSecondFactorCancel, registerSecondFactorCheck, registerSecondFactorGate } from '../credentials/signin'
import type { PendingSignIn } from '../credentials/signin'
import { useAegis } from '../context/services'
import { setStepCookie } from './cookie'
import { findFactors } from './factors'
import { mfaUser } from './request'
import { useMfaServices } from './services'
import { cancelStep, issueStep, stepKey } from './step'

/**
 * A login that already is multi-factor by the module's own account: `amr` has `mfa` (a passkey
 * whose authenticator verified the user). A passkey with presence only (`user`) is one factor.
 */
function alreadyMultiFactor(amr: string[] = []): boolean {
  return amr.includes('mfa')
}

/**
 * The login gate: a user with an enrolled factor gets `202 { status: 'mfa_required', stepToken,
 * methods, expiresIn }` and the step's cookie instead of tokens, after every login (OAuth ones
 * at `POST /token` unless `mfa.oauth` is false) that is not multi-factor already.
 */
export default defineNitroPlugin(() => {
  registerSecondFactorGate(async (event, pending: PendingSignIn) => {
    const { config } = useMfaServices()
    if (pending.kind === 'handoff' && !config.oauth) return undefined
    if (alreadyMultiFactor(pending.amr)) return undefined
    if (!await findFactors(event, mfaUser(pending.user))) return undefined
    const { stepToken, expiresIn, binding } = await issueStep(pending)
    // Until the step is done, the CODE stands for the step: a replay of it ends the step.
    if (pending.handoff) await useAegis().codes.markIssued(pending.handoff.code, `step:${stepKey(stepToken)}`, pending.handoff.binding)
    setStepCookie(event, stepToken, binding, expiresIn)
    return { status: 'mfa_required', stepToken, methods: ['totp', 'recovery_code'], expiresIn }
  })
  registerSecondFactorCancel(cancelStep)
  registerSecondFactorCheck(async (event, user) => {
    if (alreadyMultiFactor(Array.isArray(user.amr) ? user.amr as string[] : [])) return
    if (await findFactors(event, mfaUser({ sub: user.sub, provider: String(user.provider ?? ''), ...(typeof user.email === 'string' ? { email: user.email } : {}) }))) {
      throw new AegisError(403, 'mfa_required', 'adding a way into an account with a second factor needs a session that used it')
    }
  })
})
