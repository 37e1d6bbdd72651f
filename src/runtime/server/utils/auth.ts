import type { H3Event } from 'h3'
import { createError, getRequestHeader } from 'h3'
import type { AegisUser } from '../../types'
import { parseBearer } from '../tokens/tokens'
import { useAegis } from '../context/services'

export type AuthenticatedEvent = H3Event & { context: { user: AegisUser } }

async function userOf(event: H3Event): Promise<AegisUser | undefined> {
  if (event.context.user) return event.context.user as AegisUser
  const token = parseBearer(getRequestHeader(event, 'authorization'))
  if (!token) return undefined
  const claims = await useAegis().tokens.verify(token)
  if (!claims) return undefined
  event.context.user = { ...claims }
  return event.context.user as AegisUser
}

function unauthorized() {
  return createError({
    statusCode: 401,
    statusMessage: 'Unauthorized',
    message: 'Authentication required.',
    data: { error: 'unauthorized', message: 'Authentication required.' },
  })
}

/**
 * The user of the request's valid access token (its claims); throws a 401 otherwise.
 * Sets `WWW-Authenticate: Bearer` on the response.
 */
export function getAuthUser<T extends AegisUser = AegisUser>(event: H3Event): Promise<T> {
  // Set by route protection for every request with a valid token: answer without another async hop.
  if (event.context.user) return Promise.resolve(event.context.user as T)
  return verifiedUser<T>(event)
}

async function verifiedUser<T extends AegisUser>(event: H3Event): Promise<T> {
  const user = await userOf(event)
  if (!user) {
    event.node.res.setHeader('www-authenticate', 'Bearer')
    throw unauthorized()
  }
  return user as T
}

/** Asserts a valid access token and returns the event with `context.user` typed as set. */
export async function requireAuth(event: H3Event): Promise<AuthenticatedEvent> {
  await getAuthUser(event)
  return event as AuthenticatedEvent
}
