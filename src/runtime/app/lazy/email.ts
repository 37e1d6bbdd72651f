import type { AuthClient } from '../client'
import type { MfaStep } from './mfa'

/**
 * The email one-time code login (`providers.email`). A lazy chunk: `useAuth().email` loads it
 * on first use, so apps that never call it do not ship it.
 */

/** `POST <authPath>/email/start`: the server answers the same for every address. */
export async function startEmailLogin(client: AuthClient, authPath: string, email: string): Promise<void> {
  await client.fetch(`${authPath}/email/start`, { method: 'POST', body: { email }, credentials: 'same-origin' })
}

/** `POST <authPath>/email/verify` with the typed code or the link's token: a session, or the second-factor step. */
export async function verifyEmailLogin(client: AuthClient, authPath: string, input: { email: string, code: string } | { token: string }): Promise<{ token?: string } & Partial<MfaStep>> {
  return client.signIn<{ token?: string } & Partial<MfaStep>>(`${authPath}/email/verify`, { ...input })
}
