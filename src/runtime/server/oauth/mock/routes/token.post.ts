import { getRequestHeader, readBody, setResponseHeader, setResponseStatus } from 'h3'
import { defineMockRoute } from '../guard'

/** The mock provider's token endpoint (form body, client_secret_post or basic, PKCE checked). */
export default defineMockRoute(async (event, mockIdp) => {
  const body = await readBody(event).catch(() => undefined)
  const form: Record<string, string | undefined> = {}
  if (body && typeof body === 'object') {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) form[name] = typeof value === 'string' ? value : undefined
  }
  let basic: { id: string, secret: string } | undefined
  const authorization = getRequestHeader(event, 'authorization')
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString()
    const colon = decoded.indexOf(':')
    try {
      basic = { id: decodeURIComponent(decoded.slice(0, colon === -1 ? undefined : colon)), secret: colon === -1 ? '' : decodeURIComponent(decoded.slice(colon + 1)) }
    }
    catch {
      basic = { id: '', secret: '' } // undecodable credentials: invalid_client below
    }
  }
  const result = mockIdp.token(form, basic)
  setResponseHeader(event, 'cache-control', 'no-store')
  setResponseStatus(event, result.status)
  return result.body
})
