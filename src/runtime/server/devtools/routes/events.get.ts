import { defineEventHandler, getQuery, setResponseHeader } from 'h3'
import { authEventsSince } from '../events'

/** Dev only (DevTools tab): the auth events after `?since=<id>`. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const since = Number(getQuery(event).since)
  return { events: authEventsSince(Number.isFinite(since) ? since : 0) }
})
