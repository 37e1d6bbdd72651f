import type { PasskeyCredential } from './types'

/** What the browser sees of a passkey (the list and a new registration): no public key, no counter. */
export interface PublicPasskey {
  id: string
  name?: string
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  transports?: string[]
  aaguid?: string
  createdAt: number
  lastUsedAt?: number
}

export function publicCredential(credential: PasskeyCredential): PublicPasskey {
  return {
    id: credential.id,
    ...(credential.name ? { name: credential.name } : {}),
    deviceType: credential.deviceType,
    backedUp: Boolean(credential.backedUp),
    ...(credential.transports ? { transports: credential.transports } : {}),
    ...(credential.aaguid ? { aaguid: credential.aaguid } : {}),
    createdAt: credential.createdAt,
    ...(credential.lastUsedAt ? { lastUsedAt: credential.lastUsedAt } : {}),
  }
}
