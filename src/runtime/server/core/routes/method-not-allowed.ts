import { defineEventHandler, setResponseHeader } from 'h3'
import { AegisError, sendError } from '../errors'

/** Any other method on a POST-only auth endpoint: 405 with `Allow: POST`, not the page renderer's 404. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'allow', 'POST')
  return sendError(event, new AegisError(405, 'method_not_allowed'))
})
