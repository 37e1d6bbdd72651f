import type { H3Event } from 'h3'
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server'
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import type { AegisUser } from '../../types'
import { AegisError } from '../core/errors'
import { assertSecondFactorUsed } from '../credentials/signin'
import { fingerprint } from '../core/crypto'
import { browserBinding, presentedBinding } from './binding'
import { signedChallenge } from './request'
import { passkeyProvider, relyingParty, usePasskeyServices } from './services'
import { publicCredential } from './view'
import type { PublicPasskey } from './view'
import type { PasskeyCredential } from './types'
import { storeNewPasskey } from './accounts'

const bytes = (b64url: string) => new Uint8Array(Buffer.from(b64url, 'base64url'))

/**
 * Who may add a passkey: the token's user, never an impersonator (a passkey they added would
 * outlive the impersonation and let them in as the user).
 */
export function assertCanManagePasskeys(user: AegisUser): void {
  if ((user as Record<string, unknown>).act !== undefined) throw new AegisError(403, 'access_denied', 'passkeys cannot be managed while impersonating')
}

/** Creation options for the logged-in `user`; the challenge is bound to this browser and this user. */
export async function registrationOptions(event: H3Event, user: AegisUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
  assertCanManagePasskeys(user)
  await assertSecondFactorUsed(event, user)
  const app = passkeyProvider()
  const { config, challenges, userHandle } = usePasskeyServices()
  const { rpID } = relyingParty(event)
  const ttl = Number(config.challengeTtl)
  const existing = (await app.listCredentials(user.sub, event)).filter(credential => credential.userId === user.sub)
  const challenge = await challenges.issue(browserBinding(event, ttl), 'register', user.sub)
  return generateRegistrationOptions({
    rpName: config.rpName,
    rpID,
    userName: user.email || user.name || user.sub,
    userDisplayName: user.name || user.email || '',
    // Stable per user (an authenticator replaces its own older passkey for the account), and
    // not the app's id: the handle is readable by anyone holding the authenticator.
    userID: bytes(userHandle(user.sub)),
    challenge: bytes(challenge),
    timeout: ttl * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map(credential => ({ id: credential.id, ...(credential.transports ? { transports: credential.transports } : {}) })),
    // Discoverable credentials: a login needs no user name (and works with autofill).
    authenticatorSelection: { residentKey: 'required', userVerification: config.userVerification },
  })
}

/** Verifies a registration response and stores the new passkey through `saveCredential` (with accounts, after `linkIdentity`). */
export async function verifyRegistration(event: H3Event, user: AegisUser, response: RegistrationResponseJSON, name?: string): Promise<PublicPasskey> {
  assertCanManagePasskeys(user)
  await assertSecondFactorUsed(event, user)
  const app = passkeyProvider()
  const { config, challenges, serializeCredential } = usePasskeyServices()
  const challenge = signedChallenge(response.response.clientDataJSON)
  // Spent whatever follows: a challenge is good for one attempt.
  const record = await challenges.take(presentedBinding(event), challenge)
  if (!record || record.purpose !== 'register' || record.userId !== user.sub) {
    throw new AegisError(400, 'invalid_challenge', `registration challenge unknown, expired, used, of another browser or another user (user ${fingerprint(user.sub)})`)
  }
  const { rpID, origin } = relyingParty(event)
  let verification
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserPresence: true,
      requireUserVerification: config.userVerification === 'required',
    })
  }
  catch (error) {
    throw new AegisError(400, 'invalid_passkey', `registration refused: ${(error as Error).message}`)
  }
  if (!verification.verified) throw new AegisError(400, 'invalid_passkey', 'registration not verified')
  const info = verification.registrationInfo
  const id = info.credential.id
  return serializeCredential(id, async () => {
    // An authenticator chooses its credential ID, so a crafted one may copy another user's:
    // an ID the store already knows (even by a loose match) is refused, never overwritten.
    if (await app.findCredential(id, event)) throw new AegisError(409, 'passkey_exists', `credential ${fingerprint(id)} already registered`)
    const credential: PasskeyCredential = {
      id,
      userId: user.sub,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      ...(response.response.transports?.length ? { transports: [...response.response.transports] } : {}),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      ...(name ? { name } : {}),
      createdAt: Math.floor(Date.now() / 1000),
    }
    // With accounts the passkey is a linked method: no credential is saved unless the link stands.
    return storeNewPasskey(event, user, id, async () => {
      await app.saveCredential(credential, 'register', event)
      return publicCredential(credential)
    })
  })
}
