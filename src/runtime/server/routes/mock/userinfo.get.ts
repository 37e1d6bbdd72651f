import { defineEventHandler, getRequestHeader, setResponseHeader, setResponseStatus } from 'h3'
import { AegisError, sendError } from '../../lib/errors'
import { parseBearer } from '../../lib/tokens'
import { isMockEnabled } from '../../mock'
import { useAegis } from '../../services'

/** The mock provider's userinfo endpoint: the persona behind a mock access token. */
export default defineEventHandler((event) => {
  const { config, mockIdp } = useAegis()
  if (!isMockEnabled(config.providers.mock)) return sendError(event, new AegisError(404, 'provider_disabled'))
  const profile = mockIdp.userinfo(parseBearer(getRequestHeader(event, 'authorization')) ?? undefined)
  setResponseHeader(event, 'cache-control', 'no-store')
  if (!profile) {
    setResponseStatus(event, 401)
    setResponseHeader(event, 'www-authenticate', 'Bearer error="invalid_token"')
    return { error: 'invalid_token' }
  }
  return profile
})
