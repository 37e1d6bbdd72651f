import Bowser from 'bowser'
import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'

/** Longer User-Agent strings are cut before parsing: the label needs the start, and regexes stay cheap. */
const MAX_UA = 512

/** Names bowser itself knows: a label is built only from them, never from text of the header. */
const BROWSERS = new Set(Object.values(Bowser.BROWSER_MAP))
const SYSTEMS = new Set(Object.values(Bowser.OS_MAP))

/**
 * A coarse label for the device list ("Firefox on Linux", "Safari on iOS"), from the
 * User-Agent parsed with bowser. Only the label is stored, never the header. Names outside
 * bowser's own lists (its generic fallback echoes the header) are left out, so nothing a
 * client writes into the header reaches the list. Undefined when nothing is recognized.
 */
export function deviceLabel(userAgent: string | null | undefined): string | undefined {
  if (typeof userAgent !== 'string' || !userAgent.trim()) return undefined
  let parsed: Bowser.Parser.ParsedResult
  try {
    parsed = Bowser.parse(userAgent.slice(0, MAX_UA))
  }
  catch {
    return undefined
  }
  const browser = BROWSERS.has(parsed.browser.name ?? '') && parsed.browser.name !== 'Generic' ? parsed.browser.name : undefined
  const system = SYSTEMS.has(parsed.os.name ?? '') ? parsed.os.name : undefined
  if (browser && system) return `${browser} on ${system}`
  return browser ?? system
}

/** The device label of a request (its User-Agent). */
export const requestDevice = (event: H3Event): string | undefined => deviceLabel(getRequestHeader(event, 'user-agent'))
