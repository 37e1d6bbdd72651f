import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { AegisError } from '../../src/runtime/server/core/errors'
import { createRevocationStore } from '../../src/runtime/server/revocation/store'
import { createRevocationService } from '../../src/runtime/server/revocation/service'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import { sessionId } from '../../src/runtime/server/sessions/provider-tokens'
import type { Storage } from 'unstorage'

/** A storage whose writes (`failSetAt`: only the n-th from now) or every call (`failAll`) fail. */
function faultyStorage(inner: Storage = createStorage()) {
  const control = { failAll: false, failSetAt: 0, sets: 0 }
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        if (prop === 'setItem') control.sets++
        if (control.failAll || (prop === 'setItem' && control.sets === control.failSetAt)) throw new Error('driver down')
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { storage, control }
}

const LIFETIME = 3605

describe('[REV-2] the revocation store in the session storage', () => {
  it('two readers see what a writer added, reading only what is new', async () => {
    const storage = createStorage()
    const locks = createMemoryLocks()
    const writer = createRevocationStore({ storage, prefix: 'refresh:', locks, lifetime: LIFETIME })
    const reader = createRevocationStore({ storage, prefix: 'refresh:', locks, lifetime: LIFETIME })
    const first = await reader.since(undefined)
    expect(first.entries).toEqual([])
    const a = await writer.add('sid-a', 2000, 1000)
    const b = await writer.add('sid-b', 2001, 1001)
    expect(b.v).toBeGreaterThan(a.v)
    const all = await reader.since(first.cursor)
    expect(all.entries.map(e => e.sid)).toEqual(['sid-a', 'sid-b'])
    expect(all.version).toBe(b.v)
    expect((await reader.since(all.cursor)).entries).toEqual([])
    await writer.add('sid-c', 2002, 1002)
    expect((await reader.since(all.cursor)).entries.map(e => e.sid)).toEqual(['sid-c'])
  })

  it('keeps its records with a TTL of the longest token lifetime (plus one segment)', async () => {
    const ttls: number[] = []
    const inner = createStorage()
    const storage = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'setItem') {
          return (key: string, value: unknown, opts?: { ttl?: number }) => {
            ttls.push(opts?.ttl ?? 0)
            return target.setItem(key, value as string, opts)
          }
        }
        return Reflect.get(target, prop, receiver)
      },
    })
    const store = createRevocationStore({ storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: LIFETIME })
    await store.add('sid', 1, 1)
    expect(ttls.length).toBe(2)
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThanOrEqual(LIFETIME)
      expect(ttl).toBeLessThanOrEqual(LIFETIME + 2 * 61)
    }
  })

  it('on drivers without TTL, old segments are removed when a new one starts', async () => {
    const storage = createStorage()
    let now = Date.now()
    const store = createRevocationStore({ storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: 600, sweep: () => true, now: () => now })
    await store.add('old', 1, 1)
    const oldKeys = await storage.getKeys('refresh:revocations:seg')
    now += 2 * 3600_000
    await store.add('new', 1, 1)
    const keys = await storage.getKeys('refresh:revocations:seg')
    expect(keys.length).toBe(1)
    expect(keys).not.toEqual(oldKeys)
  })

  it('a storage failure on add is a 503', async () => {
    const { storage, control } = faultyStorage()
    const store = createRevocationStore({ storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: LIFETIME })
    control.failAll = true
    await expect(store.add('sid', 1, 1)).rejects.toMatchObject({ statusCode: 503 })
    await expect(store.add('sid', 1, 1)).rejects.toBeInstanceOf(AegisError)
  })
})

describe('[REV-3] sessions that end put their sid on the list', () => {
  const user = { sub: 'alice', provider: 'mock' }
  function setup() {
    const storage = createStorage()
    const service = createRevocationService({
      enabled: true, storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: LIFETIME,
      refreshMs: 1000, staleAfterMs: 60_000, onStale: 'accept', driver: () => ({ name: 'memory' }),
    })
    const other = createRevocationService({
      enabled: true, storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: LIFETIME,
      refreshMs: 1000, staleAfterMs: 60_000, onStale: 'accept', driver: () => ({ name: 'memory' }),
    })
    const sessions = createSessionStore({
      storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 0,
      onEnd: familyId => service.revoke(sessionId(familyId)),
    })
    return { service, other, sessions }
  }
  const iat = () => Math.floor(Date.now() / 1000)

  it('logout: refused here at once, and by another instance after its next load', async () => {
    const { service, other, sessions } = setup()
    await other.start()
    const issued = await sessions.create({ user, claims: {} })
    const sid = sessionId(issued.session.familyId)
    expect(service.refuses({ sub: 'alice', sid, iat: iat() })).toBe(false)
    await sessions.revoke(issued.token)
    expect(service.refuses({ sub: 'alice', sid, iat: iat() })).toBe(true)
    expect(other.refuses({ sub: 'alice', sid, iat: iat() })).toBe(false)
    await other.list.refresh()
    expect(other.refuses({ sub: 'alice', sid, iat: iat() })).toBe(true)
    // Another session of the same user is untouched.
    const second = await sessions.create({ user, claims: {} })
    expect(other.refuses({ sub: 'alice', sid: sessionId(second.session.familyId), iat: iat() })).toBe(false)
    await other.stop()
  })

  it('reuse detection and revokeUser end families through the same path', async () => {
    const { service, sessions } = setup()
    const one = await sessions.create({ user, claims: {} })
    const rotated = await sessions.rotate(one.token)
    await sessions.rotate(rotated.token)
    await expect(sessions.rotate(one.token)).rejects.toMatchObject({ code: 'token_reused' })
    expect(service.refuses({ sub: 'alice', sid: sessionId(one.session.familyId), iat: iat() })).toBe(true)
    const a = await sessions.create({ user, claims: {} })
    const b = await sessions.create({ user, claims: {} })
    expect(await sessions.revokeUser('alice')).toBe(2)
    for (const s of [a, b]) expect(service.refuses({ sub: 'alice', sid: sessionId(s.session.familyId), iat: iat() })).toBe(true)
  })

  it('a session that reached its end adds nothing', async () => {
    let now = Date.now()
    const storage = createStorage()
    const added: string[] = []
    const sessions = createSessionStore({
      storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 60, rotation: true, reuseInterval: 0, now: () => now,
      onEnd: async familyId => added.push(familyId),
    })
    const issued = await sessions.create({ user, claims: {} })
    now += 61_000
    await expect(sessions.rotate(issued.token)).rejects.toMatchObject({ statusCode: 401 })
    expect(added).toEqual([])
  })

  it('when the list cannot be written, logout is a 503 and the session stays', async () => {
    const { storage, control } = faultyStorage()
    const service = createRevocationService({
      enabled: true, storage, prefix: 'refresh:', locks: createMemoryLocks(), lifetime: LIFETIME,
      refreshMs: 1000, staleAfterMs: 60_000, onStale: 'accept', driver: () => ({ name: 'memory' }),
    })
    const sessions = createSessionStore({
      storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 0,
      onEnd: familyId => service.revoke(sessionId(familyId)),
    })
    const issued = await sessions.create({ user, claims: {} })
    // Reads work, the list write fails.
    control.failSetAt = control.sets + 1
    await expect(sessions.revoke(issued.token)).rejects.toMatchObject({ statusCode: 503 })
    expect(await sessions.get(issued.token)).toBeDefined()
    // This instance refuses the tokens anyway.
    expect(service.refuses({ sub: 'alice', sid: sessionId(issued.session.familyId), iat: iat() })).toBe(true)
  })
})
