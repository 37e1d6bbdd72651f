/**
 * The page guard's pre-check, in the base bundle: it decides without the globs' matcher (a lazy
 * chunk, `lazy/guard.ts`) when a path cannot be protected, so public pages never load it.
 */

/**
 * A path the normalizer leaves as it is but for case and a trailing slash (the same test as
 * `PLAIN_PATH` in server/protection/paths.ts): segments of unreserved characters, none empty,
 * none `.` or `..`.
 */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)+\/?$/

/**
 * Cheap and conservative: false only when no protected glob can match `path`, because the path
 * is plain and none of the globs starts with its first segment (globs match case-insensitively,
 * like the matcher). Anything else (escapes, dot or empty segments, a glob starting with a
 * wildcard) returns true and the matcher decides, refusals included.
 */
export function mayBeProtected(rawPath: string, globs: string[]): boolean {
  if (globs.length === 0) return false
  const cut = rawPath.indexOf('?')
  const path = cut === -1 ? rawPath : rawPath.slice(0, cut)
  let first = ''
  if (path !== '' && path !== '/') {
    if (!PLAIN_PATH.test(path)) return true
    first = path.slice(1).split('/', 1)[0]!.toLowerCase()
  }
  return globs.some((glob) => {
    const head = glob.trim().toLowerCase().split('/').find(segment => segment !== '' && segment !== '.')
    return head === undefined || /[*?]/.test(head) || head === first
  })
}
