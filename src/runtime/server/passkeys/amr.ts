/**
 * The `amr` values (RFC 8176) of a passkey login:
 * - `hwk` for a key that never leaves its authenticator (`singleDevice`), `swk` for a key the
 *   authenticator may sync or back up (`multiDevice`, e.g. a synced platform passkey): without
 *   attestation that is all the server knows about where the key lives;
 * - `user`: the authenticator tested user presence (the UP flag; always required here);
 * - `mfa` when the authenticator also verified the user (UV flag: a PIN or biometric on the
 *   device): possession of the key plus something the user knows or is.
 */
export function passkeyAmr(info: { userVerified: boolean, credentialDeviceType: string }): string[] {
  return [info.credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk', 'user', ...(info.userVerified ? ['mfa'] : [])]
}
