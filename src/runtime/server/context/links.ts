import type { H3Event } from 'h3'
import { log } from '../core/errors'
import { publicOrigin, useAegis } from './services'

/**
 * The origin of emailed links: `siteUrl`; the request's own origin only in dev. (Start-up
 * refuses links without `siteUrl` in production; this is the second line.)
 */
export function linkOrigin(event: H3Event): string | undefined {
  if (useAegis().siteOrigin || import.meta.dev) return publicOrigin(event)
  log.error('emailed link left out: set nuxtAegis.siteUrl (NUXT_PUBLIC_SITE_URL)')
  return undefined
}

/** `<origin><page>?token=…` (or `&token=` when the page has a query), undefined without a page or origin. */
export function linkUrl(event: H3Event, page: string, token: string): string | undefined {
  const origin = page ? linkOrigin(event) : undefined
  return origin ? `${origin}${page}${page.includes('?') ? '&' : '?'}token=${token}` : undefined
}
