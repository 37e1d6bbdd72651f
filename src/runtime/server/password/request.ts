import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeader } from 'h3'
import { AegisError } from '../core/errors'
import { clientIp, rateLimitGroup } from '../core/client-ip'
import type { RateLimitResult, RateLimitRule } from '../core/rate-limit'
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

function refuse(event: H3Event, bucket: string, results: RateLimitResult[]): void {
  const wait = Math.max(0, ...results.map(result => result.ok ? 0 : result.retryAfter))
  if (wait > 0) {
    setResponseHeader(event, 'retry-after', wait)
    throw new AegisError(429, 'too_many_requests', `${bucket} limit reached`)
  }
}

/**
 * Counts one attempt of the client's IP (IPv6 by /64) in `bucket`; over the limit answers 429
 * with `Retry-After`. Called first, before anything per account is looked up or stored, so a
 * flood from one client cannot create counters for every address it tries.
 */
export async function limitIp(event: H3Event, bucket: string, rules: LimitPair): Promise<void> {
  if (!rules.perIp) return
  refuse(event, bucket, [await usePasswordServices().limiter.hit(`${bucket}:ip`, rateLimitGroup(requestIp(event)), rules.perIp)])
}

/**
 * Counts one attempt for each subject (an account, see `subjectOf`) in `bucket` under the
 * `perEmail` rule; 429 when any is over. Together with `limitIp`, a flood from one IP against
 * many accounts and a spread attack on one account are both caught.
 */
export async function limitSubjects(event: H3Event, bucket: string, rules: LimitPair, subjects: string[]): Promise<void> {
  const { limiter } = usePasswordServices()
  if (!rules.perEmail || !subjects.length) return
  refuse(event, bucket, await Promise.all(subjects.map(subject => limiter.hit(`${bucket}:subject`, subject, rules.perEmail!))))
}

/**
 * Counts like `limitSubjects` but answers false instead of a 429: for mail that a request sends
 * on the side (a login's verification code), whose answer must not change.
 */
export async function allowSubjects(bucket: string, rules: LimitPair, subjects: string[]): Promise<boolean> {
  const { limiter } = usePasswordServices()
  if (!rules.perEmail || !subjects.length) return true
  return (await Promise.all(subjects.map(subject => limiter.hit(`${bucket}:subject`, subject, rules.perEmail!)))).every(result => result.ok)
}

/** Forgets the failed attempts of `subject` in `bucket` (after the right password). */
export function resetSubject(bucket: string, subject: string): Promise<void> {
  return usePasswordServices().limiter.reset(`${bucket}:subject`, subject)
}
