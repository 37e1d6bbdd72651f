import type { AegisProfile } from '../../types'
import { AegisError } from '../core/errors'

const MAX = { sub: 255, email: 320, name: 256, picture: 2048, extra: 1024, extraFields: 50 }
const SKIPPED = new Set(['sub', 'email', 'email_verified', 'name', 'picture', '__proto__', 'constructor', 'prototype'])

/** A trimmed, non-empty string of at most `max` characters (safe integers become strings), else undefined. */
export function boundedString(value: unknown, max: number): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : undefined
}

/** Type-checks and bounds a provider profile; extra fields keep only bounded primitives. */
export function normalizeProfile(raw: AegisProfile & Record<string, unknown>): AegisProfile & Record<string, unknown> {
  const sub = boundedString(raw.sub, MAX.sub)
  if (!sub) throw new AegisError(502, 'login_failed', 'provider profile has no usable subject')
  const out: AegisProfile & Record<string, unknown> = { sub }
  const email = boundedString(raw.email, MAX.email)
  if (email && /^[^\s@]+@[^\s@]+$/.test(email)) {
    out.email = email
    out.email_verified = raw.email_verified === true
  }
  const name = boundedString(raw.name, MAX.name)
  if (name) out.name = name
  const picture = boundedString(raw.picture, MAX.picture)
  if (picture && /^https?:\/\//i.test(picture)) out.picture = picture
  let extras = 0
  for (const [field, value] of Object.entries(raw)) {
    // The profile travels in the CODE and the session record: keep it small.
    if (extras >= MAX.extraFields) break
    if (field in out || SKIPPED.has(field)) continue
    if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= MAX.extra)) {
      out[field] = value
      extras++
    }
  }
  return out
}

/** Picks `fields` of a provider object that exist, for the extras of a profile. */
export function pick(source: Record<string, unknown> | undefined, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!source) return out
  for (const field of fields) {
    if (Object.hasOwn(source, field)) out[field] = source[field]
  }
  return out
}
