import { getRequestHeader, setResponseHeader, setResponseStatus } from 'h3'
import { parseBearer } from '../../../tokens/tokens'
import { defineMockRoute } from '../guard'

/** The mock provider's userinfo endpoint: the persona behind a mock access token. */
export default defineMockRoute((event, mockIdp) => {
  const profile = mockIdp.userinfo(parseBearer(getRequestHeader(event, 'authorization')) ?? undefined)
  setResponseHeader(event, 'cache-control', 'no-store')
  if (!profile) {
    setResponseStatus(event, 401)
    setResponseHeader(event, 'www-authenticate', 'Bearer error="invalid_token"')
    return { error: 'invalid_token' }
  }
  return profile
})
