/**
 * The last auth events of this dev server (DevTools tab): login, refresh, token reuse, logout.
 * In memory, bounded, fingerprints and user ids only: never a token or a provider token.
 */
import type { AegisUser } from '../../types'

export interface AuthEvent {
  /** Increasing number, for `?since=`. */
  id: number
  type: 'login' | 'refresh' | 'reuse' | 'logout'
  /** Epoch milliseconds. */
  at: number
  sub?: string
  name?: string
  provider?: string
  /** Fingerprint of the session family. */
  session?: string
  detail?: string
}

const MAX_EVENTS = 100
const events: AuthEvent[] = []
let lastId = 0

export function recordAuthEvent(type: AuthEvent['type'], user: AegisUser | undefined, extra: Pick<AuthEvent, 'provider' | 'session' | 'detail'> = {}): AuthEvent {
  const event: AuthEvent = {
    id: ++lastId,
    type,
    at: Date.now(),
    ...(typeof user?.sub === 'string' ? { sub: user.sub } : {}),
    ...(typeof user?.name === 'string' ? { name: user.name } : {}),
    ...Object.fromEntries(Object.entries(extra).filter(([, value]) => typeof value === 'string' || typeof value === 'number')),
  }
  events.push(event)
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS)
  return event
}

/** Events after `since` (an event id), oldest first. */
export function authEventsSince(since: number): AuthEvent[] {
  return events.filter(event => event.id > since)
}
