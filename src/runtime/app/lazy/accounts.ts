import type { AuthClient } from '../client'

/** A sign-in method of the user (`GET <authPath>/identities`). */
export interface LinkedIdentity { provider: string, subject: string }

/**
 * Account linking, loaded on first use (kept out of the base bundle): asks the server for a
 * link start bound to this user and this browser (a same-origin POST with the access token),
 * then opens the provider login it answers.
 */
export async function startLink(client: AuthClient, authPath: string, provider: string, redirectTo?: string): Promise<string> {
  const { url } = await client.fetch<{ url: string }>(`${authPath}/link/${encodeURIComponent(provider)}`, { method: 'POST', body: redirectTo ? { redirectTo } : {} })
  return url
}

export async function listIdentities(client: AuthClient, authPath: string): Promise<LinkedIdentity[]> {
  return (await client.fetch<{ identities: LinkedIdentity[] }>(`${authPath}/identities`)).identities
}

export async function unlinkIdentity(client: AuthClient, authPath: string, identity: LinkedIdentity): Promise<LinkedIdentity[]> {
  return (await client.fetch<{ identities: LinkedIdentity[] }>(`${authPath}/unlink`, { method: 'POST', body: { provider: identity.provider, subject: identity.subject } })).identities
}
