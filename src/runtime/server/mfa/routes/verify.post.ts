import { defineEventHandler } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { readCredentialsBody } from '../../password/request'
import { finishSignIn } from '../../credentials/signin'
import { authenticationMethods } from '../../tokens/claims'
import { checkFactor, provider } from '../factors'
import { factorInput, limitMfaIp, limitMfaUser, mfaUser } from '../request'
import { clearStepCookie, stepCookie } from '../cookie'
import { STEP_TOKEN, attemptStep, peekStep } from '../step'

/**
 * POST {authPath}/mfa/verify `{ stepToken, code }` or `{ stepToken, recoveryCode }` with the
 * step's cookie: the second step of a login answered `202 mfa_required`. The right factor starts
 * the pending login's session (its `amr` gains `otp` and `mfa`); 400 `invalid_mfa_code`
 * otherwise, and 400 `invalid_mfa_step` for an unknown, expired, spent or exhausted step token,
 * or one presented without the cookie of the browser that logged in.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  if (typeof body.stepToken !== 'string' || !STEP_TOKEN.test(body.stepToken)) throw new AegisError(400, 'invalid_request', '"stepToken" missing or malformed')
  const stepToken = body.stepToken
  const input = factorInput(body)
  await limitMfaIp(event)
  const binding = stepCookie(event, stepToken)
  const waiting = await peekStep(stepToken, binding)
  if (!waiting) {
    clearStepCookie(event, stepToken)
    throw new AegisError(400, 'invalid_mfa_step', binding ? 'unknown, expired or spent step token' : 'step token without its browser binding')
  }
  await limitMfaUser(event, waiting.user.sub)
  const { pending, done } = await attemptStep(stepToken, binding, candidate => checkFactor(event, mfaUser(candidate.user), input))
  if (done) clearStepCookie(event, stepToken)
  if (!pending) throw new AegisError(400, 'invalid_mfa_code')
  // RFC 8176: a one-time password as the second factor of a multi-factor login.
  return finishSignIn(event, { ...pending, amr: authenticationMethods([...(pending.amr ?? []), 'otp', 'mfa']) })
}))
