import type { H3Event } from 'h3'
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server'
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { AegisUser } from '../../types'
import { AegisError, log } from '../core/errors'
import { fingerprint, safeEqual } from '../core/crypto'
import { browserBinding, presentedBinding } from './binding'
import { signedChallenge } from './request'
import { passkeyProvider, relyingParty, usePasskeyServices } from './services'
import { passkeyAmr } from './amr'

const bytes = (b64url: string) => new Uint8Array(Buffer.from(b64url, 'base64url'))

/** Request options for a login with a discoverable passkey (no user named: the authenticator offers its accounts, or autofill does). */
export async function authenticationOptions(event: H3Event): Promise<PublicKeyCredentialRequestOptionsJSON> {
  passkeyProvider()
  const { config, challenges } = usePasskeyServices()
  const ttl = Number(config.challengeTtl)
  const challenge = await challenges.issue(browserBinding(event, ttl), 'login')
  return generateAuthenticationOptions({
    rpID: relyingParty(event).rpID,
    challenge: bytes(challenge),
    timeout: ttl * 1000,
    userVerification: config.userVerification,
  })
}

export interface PasskeyLogin {
  user: AegisUser
  amr: string[]
  /** The stored credential's exact ID. */
  credentialId: string
}

const refused = (detail: string) => new AegisError(401, 'invalid_passkey', detail)

/**
 * Verifies an assertion: the challenge (this browser's, once), the credential (known, exactly),
 * its user handle, signature, origin, RP ID, flags and counter (a counter that does not move
 * forward means a cloned authenticator: refused). Stores the new counter, then names the user.
 */
export async function verifyAuthentication(event: H3Event, response: AuthenticationResponseJSON): Promise<PasskeyLogin> {
  const app = passkeyProvider()
  const { config, challenges, serializeCredential, userHandle } = usePasskeyServices()
  const challenge = signedChallenge(response.response.clientDataJSON)
  const record = await challenges.take(presentedBinding(event), challenge)
  if (!record || record.purpose !== 'login') throw new AegisError(400, 'invalid_challenge', 'login challenge unknown, expired, used or of another browser')
  const { rpID, origin } = relyingParty(event)
  // One verification per credential at a time: two assertions with the same counter cannot both pass.
  return serializeCredential(response.id, async () => {
    const stored = await app.findCredential(response.id, event)
    // A loose (case-insensitive) match is another credential: only the exact ID counts.
    if (!stored || typeof stored.id !== 'string' || !safeEqual(stored.id, response.id)) throw refused(`unknown credential ${fingerprint(response.id)}`)
    const handle = response.response.userHandle
    if (handle !== undefined && !safeEqual(handle, userHandle(stored.userId))) throw refused(`credential ${fingerprint(stored.id)} presented with another user handle`)
    let verification
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: stored.id, publicKey: bytes(stored.publicKey), counter: Number(stored.counter) || 0, ...(stored.transports ? { transports: stored.transports as never } : {}) },
        requireUserVerification: config.userVerification === 'required',
      })
    }
    catch (error) {
      const message = (error as Error).message
      if (/counter/i.test(message)) log.warn(`passkey ${fingerprint(stored.id)} of ${fingerprint(stored.userId)}: signature counter did not increase (a cloned authenticator?); login refused`)
      throw refused(`assertion refused for ${fingerprint(stored.id)}: ${message}`)
    }
    if (!verification.verified) throw refused(`assertion not verified for ${fingerprint(stored.id)}`)
    const info = verification.authenticationInfo
    const found: AegisUser | null | undefined = app.findUser ? await app.findUser(stored.userId, event) : { sub: stored.userId, provider: 'passkey' }
    if (!found) throw refused(`no user for passkey ${fingerprint(stored.id)}`)
    await app.saveCredential({ ...stored, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: Math.floor(Date.now() / 1000) }, 'use', event)
    return { user: { ...found, sub: stored.userId }, amr: passkeyAmr(info), credentialId: stored.id }
  })
}
