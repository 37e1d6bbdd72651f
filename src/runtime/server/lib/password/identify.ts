import { normalizeEmail } from './account'

const IDENTIFYING_FIELDS = ['email', 'username', 'login', 'user', 'phone', 'identifier'] as const

/** One identifier in its counted form: an email normalized, anything else trimmed, NFC, lower-cased. */
function canonicalIdentifier(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 320) return undefined
  const text = normalizeEmail(value) ?? value.normalize('NFC').trim().toLowerCase()
  return text || undefined
}

/**
 * The subjects of the per-identifier limit: what `identify` returns, or every identifying field
 * present. All are counted, so adding or changing one field never earns a fresh budget for the
 * field `authorize` really checks.
 */
export function credentialSubjects<TBody extends Record<string, unknown>>(body: TBody, identify?: (body: TBody) => string | string[] | null | undefined): string[] {
  const subjects = new Set<string>()
  if (identify) {
    const chosen = identify(body)
    for (const value of Array.isArray(chosen) ? chosen : [chosen]) {
      const id = canonicalIdentifier(value)
      if (id) subjects.add(`id:${id}`)
    }
    return [...subjects]
  }
  for (const field of IDENTIFYING_FIELDS) {
    const id = canonicalIdentifier(body[field])
    if (id) subjects.add(`${field}:${id}`)
  }
  return [...subjects]
}
