import { defineEventHandler, setResponseHeader } from 'h3'
import { withErrors } from '../../core/errors'
import { findFactors, provider } from '../factors'
import { tokenUser } from '../request'

/** GET {authPath}/mfa/status (Bearer) → `{ totp, recoveryCodes }`: whether TOTP is on and how many recovery codes are left. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  provider()
  const factors = await findFactors(event, await tokenUser(event))
  return { totp: Boolean(factors), recoveryCodes: factors?.recoveryCodes.length ?? 0 }
}))
