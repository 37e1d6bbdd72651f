import { getQuery, sendRedirect, setResponseHeader } from 'h3'
import { AegisError, sendError } from '../../../core/errors'
import { redirectUri } from '../../engine'
import { defineMockRoute } from '../guard'
import { engineContext } from '../../../context/services'

/** The mock provider's authorization endpoint: approves at once as the chosen persona. */
export default defineMockRoute((event, mockIdp) => {
  const query = getQuery(event)
  const params: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(query)) params[name] = typeof value === 'string' ? value : undefined
  const result = mockIdp.authorize(params, redirectUri('mock', engineContext(event)))
  setResponseHeader(event, 'cache-control', 'no-store')
  if (result.type === 'error') return sendError(event, new AegisError(result.status, 'invalid_request', `mock authorize: ${result.error}`))
  return sendRedirect(event, result.location, 302)
})
