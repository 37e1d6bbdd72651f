import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeader } from 'h3'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { AegisError } from '../core/errors'
import { clientIp, rateLimitGroup } from '../core/client-ip'
import type { RateLimitRule } from '../core/rate-limit'
import { assertSameOrigin, readJsonObject } from '../context/http'
import { usePasskeyServices } from './services'
import { useAegis } from '../context/services'
import { parseBearer } from '../tokens/tokens'
import type { AegisUser } from '../../types'

/** Attestation objects with a certificate chain and RSA keys stay well under this. */
const MAX_PASSKEY_BODY_BYTES = 16_384
const B64URL = /^[\w-]+$/
const MAX_FIELD = 8192
const MAX_NAME = 64

const bad = (what: string) => new AegisError(400, 'invalid_request', what)

/** Start of every passkey POST: no caching, same-origin only, a bounded JSON object with only the `allowed` keys. */
export async function readPasskeyBody(event: H3Event, allowed: string[]): Promise<Record<string, unknown>> {
  setResponseHeader(event, 'cache-control', 'no-store')
  assertSameOrigin(event)
  const body = await readJsonObject(event, MAX_PASSKEY_BODY_BYTES)
  const extra = Object.keys(body).filter(key => !allowed.includes(key))
  if (extra.length) throw bad(`unexpected fields: ${extra.slice(0, 5).join(', ')}`)
  return body
}

function b64(value: unknown, name: string, max = MAX_FIELD): string {
  if (typeof value !== 'string' || !value || value.length > max || !B64URL.test(value)) throw bad(`"${name}" missing or not base64url`)
  return value
}

function optionalB64(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : b64(value, name)
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(`"${name}" missing or not an object`)
  return value as Record<string, unknown>
}

/** The id, rawId, type and attachment every credential has; a credential ID is 16 to 1023 bytes. */
function credentialBase(value: unknown) {
  const credential = objectOf(value, 'response')
  const id = b64(credential.id, 'response.id', 1366)
  if (credential.rawId !== id) throw bad('"response.rawId" differs from "response.id"')
  if (credential.type !== 'public-key') throw bad('"response.type" must be "public-key"')
  const attachment = credential.authenticatorAttachment
  if (attachment !== undefined && attachment !== 'platform' && attachment !== 'cross-platform') throw bad('"response.authenticatorAttachment" is not valid')
  const extensions = credential.clientExtensionResults === undefined ? {} : objectOf(credential.clientExtensionResults, 'response.clientExtensionResults')
  return { credential, id, attachment: attachment as 'platform' | 'cross-platform' | undefined, extensions }
}

/** A registration response (`navigator.credentials.create()` as JSON), rebuilt from checked fields only. */
export function registrationResponse(value: unknown): RegistrationResponseJSON {
  const { credential, id, attachment, extensions } = credentialBase(value)
  const response = objectOf(credential.response, 'response.response')
  const transports = response.transports
  if (transports !== undefined && (!Array.isArray(transports) || transports.length > 8 || !transports.every(t => typeof t === 'string' && /^[a-z-]{1,16}$/.test(t)))) {
    throw bad('"response.response.transports" must be a short list of transport names')
  }
  const algorithm = response.publicKeyAlgorithm
  if (algorithm !== undefined && !Number.isSafeInteger(algorithm)) throw bad('"response.response.publicKeyAlgorithm" must be an integer')
  return {
    id,
    rawId: id,
    type: 'public-key',
    ...(attachment ? { authenticatorAttachment: attachment } : {}),
    clientExtensionResults: extensions as RegistrationResponseJSON['clientExtensionResults'],
    response: {
      clientDataJSON: b64(response.clientDataJSON, 'response.response.clientDataJSON'),
      attestationObject: b64(response.attestationObject, 'response.response.attestationObject'),
      ...(transports ? { transports: transports as RegistrationResponseJSON['response']['transports'] } : {}),
      ...(algorithm === undefined ? {} : { publicKeyAlgorithm: algorithm as number }),
      ...(response.authenticatorData === undefined ? {} : { authenticatorData: optionalB64(response.authenticatorData, 'response.response.authenticatorData') }),
      ...(response.publicKey === undefined ? {} : { publicKey: optionalB64(response.publicKey, 'response.response.publicKey') }),
    },
  }
}

/** An authentication response (`navigator.credentials.get()` as JSON), rebuilt from checked fields only. */
export function authenticationResponse(value: unknown): AuthenticationResponseJSON {
  const { credential, id, attachment, extensions } = credentialBase(value)
  const response = objectOf(credential.response, 'response.response')
  const userHandle = response.userHandle === null ? undefined : optionalB64(response.userHandle, 'response.response.userHandle')
  return {
    id,
    rawId: id,
    type: 'public-key',
    ...(attachment ? { authenticatorAttachment: attachment } : {}),
    clientExtensionResults: extensions as AuthenticationResponseJSON['clientExtensionResults'],
    response: {
      clientDataJSON: b64(response.clientDataJSON, 'response.response.clientDataJSON'),
      authenticatorData: b64(response.authenticatorData, 'response.response.authenticatorData'),
      signature: b64(response.signature, 'response.response.signature'),
      ...(userHandle ? { userHandle } : {}),
    },
  }
}

/** The label of a new passkey: optional, trimmed, at most 64 characters, no control characters. */
export function passkeyName(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length > MAX_NAME || /[\u0000-\u001F\u007F]/.test(value)) throw bad('"name" must be a string of at most 64 characters')
  return value.trim() || undefined
}

/**
 * The challenge the client data says was signed: the record to take is found by it. The
 * library checks it again against the record's challenge (and the type, origin and RP ID).
 */
export function signedChallenge(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }
    if (typeof data?.challenge === 'string') return data.challenge
  }
  catch {
    // Not base64url JSON: the same answer as JSON without a challenge.
  }
  throw bad('clientDataJSON is not JSON with a challenge')
}

/** The client IP for rate limits (IPv6 by /64), as the password flows count it. */
export function requestIpGroup(event: H3Event): string {
  return rateLimitGroup(clientIp(event.node.req.socket?.remoteAddress, getRequestHeader(event, 'x-forwarded-for'), usePasskeyServices().trustProxy))
}

/** Counts one attempt of `id` in `bucket`; over the limit a 429 with `Retry-After`. */
export async function limit(event: H3Event, bucket: string, id: string, rule: RateLimitRule | undefined): Promise<void> {
  if (!rule) return
  const result = await usePasskeyServices().limiter.hit(`passkey:${bucket}`, id, { limit: Number(rule.limit), window: Number(rule.window) })
  if (!result.ok) {
    setResponseHeader(event, 'retry-after', result.retryAfter)
    throw new AegisError(429, 'too_many_requests', `passkey ${bucket} limit reached`)
  }
}

/** The user of the request's valid access token; 401 `unauthorized` (through the module's error mapping) otherwise. */
export async function bearerUser(event: H3Event): Promise<AegisUser> {
  if (event.context.user) return event.context.user as AegisUser
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  const claims = token ? await useAegis().tokens.verify(token) : undefined
  if (!claims) throw new AegisError(401, 'unauthorized', 'passkey management needs a valid access token')
  return { ...claims } as unknown as AegisUser
}
