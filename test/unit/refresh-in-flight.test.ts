import { createStorage } from 'unstorage'
import { describe, expect, it, vi } from 'vitest'
import { AegisError } from '../../src/runtime/server/core/errors'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import { assertStillLive, IN_FLIGHT_MARGIN_S } from '../../src/runtime/server/sessions/in-flight'

const user = { sub: 'alice', provider: 'mock' }

function store() {
  return createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 10,
  })
}

describe('[REV-1] a refresh that took long looks at its session again before it signs', () => {
  it('refuses to sign when the session ended while a slow refresh was under way', async () => {
    const sessions = store()
    const { token } = await sessions.create({ user, claims: {} })
    const startedAt = Date.now()
    const next = await sessions.rotate(token)
    // The user logs out while a slow hook of this refresh runs.
    await sessions.revokeFamily(next.session.familyId)
    const later = startedAt + IN_FLIGHT_MARGIN_S * 1000
    const error = await assertStillLive(sessions, next.token, startedAt, later).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(AegisError)
    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_refresh_token' })
  })

  it('signs when the session is still live after a slow refresh', async () => {
    const sessions = store()
    const { token } = await sessions.create({ user, claims: {} })
    const startedAt = Date.now()
    const next = await sessions.rotate(token)
    await expect(assertStillLive(sessions, next.token, startedAt, startedAt + IN_FLIGHT_MARGIN_S * 1000)).resolves.toBeUndefined()
  })

  it('a quick refresh does not read the session again', async () => {
    const get = vi.fn(async () => undefined)
    const startedAt = Date.now()
    await expect(assertStillLive({ get }, 'token', startedAt, startedAt + 1000)).resolves.toBeUndefined()
    expect(get).not.toHaveBeenCalled()
  })
})
