import { defineNitroPlugin } from 'nitropack/runtime'
import { AegisError } from '../core/errors'
import { registerSecondFactorCheck, registerSecondFactorGate } from '../credentials/signin'
import type { PendingSignIn } from '../credentials/signin'
import { findFactors } from './factors'
import { mfaUser } from './request'
import { useMfaServices } from './services'
import { issueStep } from './step'

/**
 * A login that already is multi-factor by the module's own account: `amr` has `mfa` (a passkey
 * whose authenticator verified the user). A passkey with presence only (`user`) is one factor.
 */
function alreadyMultiFactor(amr: string[] = []): boolean {
  return amr.includes('mfa')
}

/**
 * The login gate: a user with an enrolled factor gets `202 { status: 'mfa_required', stepToken,
 * methods, expiresIn }` instead of tokens, after password, email-code and credentials logins,
 * and after OAuth logins with `mfa.oauth`.
 */
export default defineNitroPlugin(() => {
  registerSecondFactorGate(async (event, pending: PendingSignIn) => {
    const { config } = useMfaServices()
    if (pending.kind === 'handoff' && !config.oauth) return undefined
    if (alreadyMultiFactor(pending.amr)) return undefined
    if (!await findFactors(event, mfaUser(pending.user))) return undefined
    const { stepToken, expiresIn } = await issueStep(pending)
    return { status: 'mfa_required', stepToken, methods: ['totp', 'recovery_code'], expiresIn }
  })
  registerSecondFactorCheck(async (event, user) => {
    if (alreadyMultiFactor(Array.isArray(user.amr) ? user.amr as string[] : [])) return
    if (await findFactors(event, mfaUser({ sub: user.sub, provider: String(user.provider ?? ''), ...(typeof user.email === 'string' ? { email: user.email } : {}) }))) {
      throw new AegisError(403, 'mfa_required', 'adding a way into an account with a second factor needs a session that used it')
    }
  })
})
