import { defineEventHandler, isError, setResponseHeader } from 'h3'
import { AegisError, sendError } from '../../core/errors'
import { getAuthUser } from '../../utils/auth'

/** GET {userInfoPath}: the claims of the current access token; 401 `{ error, message }` without one. */
export default defineEventHandler(async (event) => {
  setResponseHeader(event, 'cache-control', 'no-store')
  try {
    return await getAuthUser(event)
  }
  catch (error) {
    // getAuthUser throws an h3 error (Nitro's error format); this endpoint answers like the others.
    if (isError(error) && error.statusCode === 401) return sendError(event, new AegisError(401, 'unauthorized'))
    throw error
  }
})
