import type { H3Event } from 'h3'
import { getRequestHeader, readRawBody } from 'h3'
import { AegisError } from '../core/errors'
import { isSameOriginRequest } from '../core/origin'
import { publicOrigin } from './services'

const MAX_BODY_BYTES = 4096

/** Cookie-bearing endpoints accept same-origin browser requests only (CSRF). */
export function assertSameOrigin(event: H3Event): void {
  const ok = isSameOriginRequest({
    secFetchSite: getRequestHeader(event, 'sec-fetch-site'),
    origin: getRequestHeader(event, 'origin'),
  }, publicOrigin(event))
  if (!ok) throw new AegisError(403, 'cross_site_request', 'Origin / Sec-Fetch-Site is not same-origin')
}

/** A small JSON object body (at most `maxBytes`): 415 for other types, 413 when too large, 400 when not an object. */
export async function readJsonObject(event: H3Event, maxBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = getRequestHeader(event, 'content-type') ?? ''
  if (!/^application\/json\s*(?:;|$)/i.test(type)) throw new AegisError(415, 'unsupported_media_type')
  // A body without Content-Length (chunked) could be any size: browsers always send the length.
  const declared = getRequestHeader(event, 'content-length')
  if (declared === undefined) throw new AegisError(411, 'length_required')
  if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) throw new AegisError(413, 'payload_too_large')
  const raw = await readRawBody(event, 'utf8')
  if (raw && Buffer.byteLength(raw) > maxBytes) throw new AegisError(413, 'payload_too_large')
  let body: unknown
  try {
    body = JSON.parse(raw ?? '')
  }
  catch {
    throw new AegisError(400, 'invalid_request', 'body is not valid JSON')
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AegisError(400, 'invalid_request', 'body is not a JSON object')
  return body as Record<string, unknown>
}
