import { defineEventHandler, sendNoContent, setResponseHeader } from 'h3'
import { withErrors } from '../../core/errors'
import { stopImpersonation } from '../impersonate'

/** POST {authPath}/impersonate/stop with the impersonation token (Bearer), same-origin → 204; the client refreshes back to the actor. */
export default defineEventHandler(event => withErrors(event, async () => {
  setResponseHeader(event, 'cache-control', 'no-store')
  await stopImpersonation(event)
  return sendNoContent(event, 204)
}))
