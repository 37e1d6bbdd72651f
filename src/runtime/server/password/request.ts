import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeader } from 'h3'
import { AegisError } from '../core/errors'
import { clientIp } from '../core/client-ip'
import type { RateLimitRule } from '../core/rate-limit'
import { assertSameOrigin, readJsonObject } from '../context/http'
import { usePasswordServices } from './services'

/** Longest string field accepted in a credentials body. */
export const MAX_FIELD_LENGTH = 1024

/**
 * Start of every credentials endpoint: no caching, same-origin browser requests only (they
 * set the refresh cookie), a small JSON object body.
 */
export async function readCredentialsBody(event: H3Event): Promise<Record<string, unknown>> {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  return readJsonObject(event)
}

/** A required string field of at most `max` characters; 400 otherwise. */
export function stringField(body: Record<string, unknown>, name: string, max = MAX_FIELD_LENGTH): string {
  const value = body[name]
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new AegisError(400, 'invalid_request', `"${name}" missing, not a string or too long`)
  return value
}

/** The client IP for rate limits: the socket's, or the trusted proxy's `X-Forwarded-For` entry. */
export function requestIp(event: H3Event): string {
  return clientIp(event.node.req.socket?.remoteAddress, getRequestHeader(event, 'x-forwarded-for'), usePasswordServices().trustProxy)
}

export interface LimitPair { perEmail?: RateLimitRule, perIp?: RateLimitRule }

/**
 * Counts one attempt per client IP and per email (when known) in `bucket`; over either limit
 * answers 429 with `Retry-After`. Both counters are hit, so a flood from one IP against many
 * emails and a spread attack on one email are both caught.
 */
export async function rateLimit(event: H3Event, bucket: string, rules: LimitPair, email?: string): Promise<void> {
  const { limiter } = usePasswordServices()
  const checks = [
    rules.perIp ? limiter.hit(`${bucket}:ip`, requestIp(event), rules.perIp) : undefined,
    rules.perEmail && email ? limiter.hit(`${bucket}:email`, email, rules.perEmail) : undefined,
  ]
  let wait = 0
  for (const result of await Promise.all(checks)) {
    if (result && !result.ok) wait = Math.max(wait, result.retryAfter)
  }
  if (wait > 0) {
    setResponseHeader(event, 'retry-after', wait)
    throw new AegisError(429, 'too_many_requests', `${bucket} limit reached`)
  }
}
