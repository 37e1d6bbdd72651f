import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, withErrors } from '../../core/errors'
import { useAegis } from '../../context/services'

/** GET {authPath}/jwks: the public keys of asymmetric access tokens (RFC 7517), for other services. */
export default defineEventHandler(event => withErrors(event, async () => {
  const { jwks } = useAegis().tokens
  if (!jwks.keys.length) throw new AegisError(404, 'not_found', 'no JWKS: access tokens are signed with HS256')
  setResponseHeader(event, 'cache-control', 'public, max-age=300')
  setResponseHeader(event, 'content-type', 'application/jwk-set+json')
  return jwks
}))
