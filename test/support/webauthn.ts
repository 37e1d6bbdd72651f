/**
 * A software WebAuthn authenticator for e2e tests: real ES256 keys (node:crypto), real
 * authenticator data, 'none' attestation and real signatures, so the server's verification
 * (@simplewebauthn/server) runs in full. Every field a negative test needs can be overridden.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

export interface SoftCredential {
  id: string
  privateKey: KeyObject
  rpID: string
  userHandle: string
  counter: number
}

export interface ClientOverrides {
  /** `clientDataJSON.origin` (default: the authenticator's origin). */
  origin?: string
  /** The RP ID hashed into the authenticator data (default: the options' rpId). */
  rpID?: string
  /** `clientDataJSON.challenge` (default: the options'). */
  challenge?: string
  /** `clientDataJSON.type`. */
  type?: string
  /** The signature counter to report (default: the credential's counter + 1). */
  counter?: number
  /** User verified (UV flag; default true). */
  userVerified?: boolean
  /** Backup eligible (BE flag: a synced passkey; default false). */
  backupEligible?: boolean
  /** The credential ID to use (registration: a chosen one; login: which credential to present). */
  credentialId?: string
  /** The user handle sent with an assertion (default: the credential's). */
  userHandle?: string | null
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest()
const b64 = (data: Buffer | Uint8Array) => Buffer.from(data).toString('base64url')

function flagsOf(overrides: ClientOverrides, attested: boolean): number {
  const uv = overrides.userVerified ?? true
  return 0x01 | (uv ? 0x04 : 0) | (overrides.backupEligible ? 0x08 : 0) | (attested ? 0x40 : 0)
}

function counterBytes(counter: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(counter)
  return out
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
}

/** The COSE_Key (RFC 9053) of a P-256 public key: kty EC2, alg ES256, crv P-256, x, y. */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' })
  return isoCBOR.encode(new Map<number, number | Uint8Array>([
    [1, 2], [3, -7], [-1, 1],
    [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
  ]))
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>()

  constructor(readonly origin: string) {}

  /** Answers creation options as `navigator.credentials.create()` + `toJSON()` would. */
  create(options: { challenge: string, rp: { id?: string }, user: { id: string } }, overrides: ClientOverrides = {}) {
    const rpID = overrides.rpID ?? options.rp.id ?? new URL(this.origin).hostname
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const rawId = overrides.credentialId ? Buffer.from(overrides.credentialId, 'base64url') : randomBytes(32)
    const id = b64(rawId)
    const counter = overrides.counter ?? 0
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(rawId.length)
    const authData = Buffer.concat([sha256(rpID), Buffer.from([flagsOf(overrides, true)]), counterBytes(counter), Buffer.alloc(16), idLength, rawId, Buffer.from(coseKey(publicKey))])
    const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, string> | Uint8Array>([['fmt', 'none'], ['attStmt', new Map<string, string>()], ['authData', new Uint8Array(authData)]]))
    this.credentials.set(id, { id, privateKey, rpID, userHandle: options.user.id, counter })
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin)),
        attestationObject: b64(attestationObject),
        transports: ['internal'],
      },
    }
  }

  /** Answers request options with a stored credential, as `navigator.credentials.get()` + `toJSON()` would. */
  get(options: { challenge: string, rpId?: string }, overrides: ClientOverrides = {}) {
    const credential = overrides.credentialId ? this.credentials.get(overrides.credentialId) : [...this.credentials.values()].at(-1)
    if (!credential) throw new Error('the soft authenticator holds no such credential')
    const rpID = overrides.rpID ?? options.rpId ?? credential.rpID
    const counter = overrides.counter ?? credential.counter + 1
    credential.counter = Math.max(credential.counter, counter)
    const authData = Buffer.concat([sha256(rpID), Buffer.from([flagsOf(overrides, false)]), counterBytes(counter)])
    const data = clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin)
    const signature = sign('sha256', Buffer.concat([authData, sha256(data)]), credential.privateKey)
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(data),
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    }
  }
}
