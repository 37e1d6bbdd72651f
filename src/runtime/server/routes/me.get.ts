import { defineEventHandler, setResponseHeader } from 'h3'
import { getAuthUser } from '../utils/auth'

/** GET {userInfoPath}: the claims of the current access token. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'cache-control', 'no-store')
  return getAuthUser(event)
})
