import { lookalikeKey } from './account'

const IDENTIFYING_FIELDS = ['email', 'username', 'login', 'user', 'phone', 'identifier'] as const

/**
 * One identifier in its counted form, folded as a loose database collation would compare it
 * (`admín`, `ＡDMIN` and `ad\u00ADmin` all count as `admin`), so an `authorize` that looks users up
 * case- and accent-insensitively gives look-alike spellings no fresh budget.
 */
function canonicalIdentifier(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  // Folded first, then cut: padding (ignorable characters, spaces) never makes a value uncounted.
  return lookalikeKey(value).slice(0, 320) || undefined
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
