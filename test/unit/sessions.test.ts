import { createStorage } from 'unstorage'
import type { Storage } from 'unstorage'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AegisError } from '../../src/runtime/server/lib/errors'
import { createSessionStore } from '../../src/runtime/server/lib/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/lib/sessions'
import type { AegisUser } from '../../src/runtime/types'

const user: AegisUser = { sub: 'alice', provider: 'mock', email: 'alice@example.com' }
const claims = { role: 'admin' }
const TOKEN = /^[\w-]{22}\.[\w-]{43}$/

/**
 * A storage whose calls can be made to fail: `failAll` breaks every read and write,
 * `failSetAt` breaks only the n-th setItem from now on (1-based).
 */
function faultyStorage(inner: Storage = createStorage()) {
  const control = { failAll: false, failSetAt: 0, sets: 0 }
  const boom = () => {
    throw new Error('driver down')
  }
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      if (prop === 'setItem') {
        return async (...args: unknown[]) => {
          control.sets++
          if (control.failAll || control.sets === control.failSetAt) boom()
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      }
      if (prop === 'getItem' || prop === 'removeItem') {
        return async (...args: unknown[]) => {
          if (control.failAll) boom()
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      }
      return value.bind(target)
    },
  })
  return { storage, control, inner }
}

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t }
  return c
}

function store(overrides: Partial<SessionStoreOptions> = {}) {
  return createSessionStore({ storage: createStorage(), prefix: 'refresh:', maxAge: 3600, rotation: true, ...overrides })
}

async function expectRefused(promise: Promise<unknown>, status = 401, code = 'invalid_refresh_token') {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisError)
  expect(error).toMatchObject({ statusCode: status, code })
}

beforeEach(() => {
  // The store logs driver failures; keep the test output quiet.
  vi.spyOn(console, 'error').mockImplementation(() => {})
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('[REF-1] creating a session', () => {
  it('returns a <22>.<43> token and a record with user, claims, family and expiry', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const { token, record } = await sessions.create({ user, claims })
    expect(token).toMatch(TOKEN)
    expect(token.split('.')[0]).toBe(record.id)
    expect(record).toMatchObject({ v: 1, user, claims, createdAt: c.t, issuedAt: c.t, expiresAt: c.t + 3600_000 })
    expect(record.familyId).toMatch(/^[\w-]{22}$/)
    expect(await sessions.get(token)).toMatchObject({ id: record.id })
  })

  it('every login starts its own family and gets a different token', async () => {
    const sessions = store()
    const a = await sessions.create({ user, claims })
    const b = await sessions.create({ user, claims })
    expect(a.token).not.toBe(b.token)
    expect(a.record.familyId).not.toBe(b.record.familyId)
  })

  it('stores only a hash of the secret, under the prefix and id', async () => {
    const storage = createStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    const { token, record } = await sessions.create({ user, claims })
    const secret = token.split('.')[1]!
    const keys = await storage.getKeys()
    expect(keys).toEqual([`refresh:${record.id}`])
    const stored = JSON.stringify(await storage.getItem(keys[0]!))
    expect(stored).not.toContain(secret)
    expect(stored).not.toContain(secret.slice(0, 16))
    expect(stored).not.toContain(token)
    expect(JSON.parse(stored).hash).toMatch(/^[\w-]{43}$/)
  })
})

describe('[REF-1] [REF-2] refusing bad tokens', () => {
  it.each(['', 'garbage', 'a.b', `${'a'.repeat(22)}.${'b'.repeat(42)}`, `${'a'.repeat(22)}.${'b'.repeat(43)}.x`, `${'a'.repeat(22)}.${'b'.repeat(43)}`])('refuses %j', async (token) => {
    const sessions = store()
    await sessions.create({ user, claims })
    expect(await sessions.get(token)).toBeUndefined()
    await expectRefused(sessions.rotate(token))
  })

  it('refuses the right id with a wrong secret', async () => {
    const sessions = store()
    const { token } = await sessions.create({ user, claims })
    const [id, secret] = token.split('.') as [string, string]
    const wrong = `${id}.${secret.slice(0, 42)}${secret.endsWith('A') ? 'B' : 'A'}`
    expect(await sessions.get(wrong)).toBeUndefined()
    await expectRefused(sessions.rotate(wrong))
    // The real token is unaffected.
    expect(await sessions.get(token)).toBeDefined()
  })

  it('refuses a secret moved to another id', async () => {
    const sessions = store()
    const a = await sessions.create({ user, claims })
    const b = await sessions.create({ user, claims })
    const swapped = `${a.record.id}.${b.token.split('.')[1]}`
    await expectRefused(sessions.rotate(swapped))
  })

  it('refuses an expired token and removes its record', async () => {
    const c = clock()
    const storage = createStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 60, rotation: true, now: c.now })
    const { token, record } = await sessions.create({ user, claims })
    c.t += 59_999
    expect(await sessions.get(token)).toBeDefined()
    c.t += 1
    await expectRefused(sessions.rotate(token))
    expect(await storage.hasItem(`refresh:${record.id}`)).toBe(false)
  })

  it('refuses a record of another version or without a hash', async () => {
    const storage = createStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 60, rotation: true })
    const { token, record } = await sessions.create({ user, claims })
    await storage.setItem(`refresh:${record.id}`, { ...record, v: 2 })
    await expectRefused(sessions.rotate(token))
    await storage.setItem(`refresh:${record.id}`, { ...record, hash: undefined })
    await expectRefused(sessions.rotate(token))
  })
})

describe('[REF-2] rotation', () => {
  it('gives a new token in the same family; the old one is refused afterwards', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    expect(second.token).toMatch(TOKEN)
    expect(second.token).not.toBe(first.token)
    expect(second.record.id).not.toBe(first.record.id)
    expect(second.record.familyId).toBe(first.record.familyId)
    expect(second.record.user).toEqual(user)
    expect(second.record.claims).toEqual(claims)
    // A rotated token: 409 (retry with the successor the browser now holds), never a second successor.
    await expectRefused(sessions.rotate(first.token), 409, 'refresh_conflict')
    // A rotated token is no longer a live session, even for read-only checks.
    expect(await sessions.get(first.token)).toBeUndefined()
    const third = await sessions.rotate(second.token)
    await expectRefused(sessions.rotate(second.token), 409, 'refresh_conflict')
    expect((await sessions.get(third.token))?.id).toBe(third.record.id)
  })

  it('keeps the login time (absolute start) and records the successor on the parent', async () => {
    const c = clock()
    const storage = createStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true, now: c.now })
    const first = await sessions.create({ user, claims })
    c.t += 10_000
    const second = await sessions.rotate(first.token)
    expect(second.record.createdAt).toBe(first.record.createdAt)
    expect(second.record.issuedAt).toBe(c.t)
    const parent = await storage.getItem<Record<string, unknown>>(`refresh:${first.record.id}`)
    expect(parent).toMatchObject({ rotatedAt: c.t, successorId: second.record.id })
  })

  it('recomputes claims with claimsFor from the stored record', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const claimsFor = vi.fn(async () => ({ role: 'user', fresh: true }))
    const second = await sessions.rotate(first.token, claimsFor)
    expect(claimsFor).toHaveBeenCalledWith(expect.objectContaining({ id: first.record.id, user }))
    expect(second.record.claims).toEqual({ role: 'user', fresh: true })
  })

  it('rotation: false keeps the token and extends its expiry', async () => {
    const c = clock()
    const sessions = store({ rotation: false, maxAge: 60, now: c.now })
    const first = await sessions.create({ user, claims })
    c.t += 50_000
    const again = await sessions.rotate(first.token)
    expect(again.token).toBe(first.token)
    expect(again.record.expiresAt).toBe(c.t + 60_000)
    c.t += 50_000 // past the original expiry, inside the renewed one
    expect(await sessions.get(first.token)).toBeDefined()
    expect((await sessions.rotate(first.token)).token).toBe(first.token)
  })
})

describe('[REF-3] revocation', () => {
  it('revoke then rotate is refused', async () => {
    const sessions = store()
    const { token, record } = await sessions.create({ user, claims })
    expect((await sessions.revoke(token))?.id).toBe(record.id)
    await expectRefused(sessions.rotate(token))
    expect(await sessions.revoke(token)).toBeUndefined()
  })

  it('revoke with a wrong secret changes nothing', async () => {
    const sessions = store()
    const { token } = await sessions.create({ user, claims })
    const [id] = token.split('.')
    expect(await sessions.revoke(`${id}.${'x'.repeat(43)}`)).toBeUndefined()
    expect(await sessions.get(token)).toBeDefined()
  })

  it('revokeById ends the session (a replayed CODE revokes what it issued)', async () => {
    const sessions = store()
    const { token, record } = await sessions.create({ user, claims })
    await sessions.revokeById(record.id)
    await expectRefused(sessions.rotate(token))
  })
})

describe('[REF-4] storage failures', () => {
  it('a failing read answers 503 storage_unavailable, and the session works once storage recovers', async () => {
    const { storage, control } = faultyStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    const { token } = await sessions.create({ user, claims })
    control.failAll = true
    await expectRefused(sessions.rotate(token), 503, 'storage_unavailable')
    await expectRefused(sessions.get(token), 503, 'storage_unavailable')
    await expectRefused(sessions.revoke(token), 503, 'storage_unavailable')
    control.failAll = false
    const next = await sessions.rotate(token)
    expect(next.token).toMatch(TOKEN)
  })

  it('a failing write on create answers 503 and leaves nothing behind', async () => {
    const { storage, control, inner } = faultyStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    control.failAll = true
    await expectRefused(sessions.create({ user, claims }), 503, 'storage_unavailable')
    expect(await inner.getKeys()).toEqual([])
  })

  it('503 errors carry no driver detail to the client', async () => {
    const { storage, control } = faultyStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    const { token } = await sessions.create({ user, claims })
    control.failAll = true
    const error = await sessions.rotate(token).catch((e: AegisError) => e)
    expect((error as AegisError).message).not.toMatch(/driver down/)
  })

  it('the successor is written before the parent is retired: a failure in between keeps the parent valid', async () => {
    const { storage, control } = faultyStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    const { token } = await sessions.create({ user, claims })
    control.sets = 0
    control.failSetAt = 2 // 1st setItem: the successor; 2nd: retiring the parent
    await expectRefused(sessions.rotate(token), 503, 'storage_unavailable')
    control.failSetAt = 0
    // The parent was not retired: the cookie the browser kept still works.
    expect(await sessions.get(token)).toBeDefined()
    const next = await sessions.rotate(token)
    expect(next.token).toMatch(TOKEN)
    await expectRefused(sessions.rotate(token), 409, 'refresh_conflict')
  })

  it('[REF-3] revoking an older, rotated token also ends the tokens that replaced it', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    const third = await sessions.rotate(second.token)
    expect(await sessions.revoke(first.token)).toBeDefined()
    await expectRefused(sessions.rotate(third.token))
    expect(await sessions.get(third.token)).toBeUndefined()
  })

  it('if writing the successor fails, the parent is untouched', async () => {
    const { storage, control, inner } = faultyStorage()
    const sessions = createSessionStore({ storage, prefix: 'refresh:', maxAge: 3600, rotation: true })
    const { token, record } = await sessions.create({ user, claims })
    control.sets = 0
    control.failSetAt = 1
    await expectRefused(sessions.rotate(token), 503, 'storage_unavailable')
    expect(await inner.getItem(`refresh:${record.id}`)).toEqual(record)
    expect(await inner.getKeys()).toHaveLength(1)
  })
})

describe('[REF-2] parallel rotation of one token in one process', () => {
  it('10 parallel rotations: exactly one successor, the others 409, and only one live token', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => sessions.rotate(first.token)))
    const ok = results.filter(r => r.status === 'fulfilled')
    expect(ok).toHaveLength(1)
    for (const r of results.filter(r => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ statusCode: 409, code: 'refresh_conflict' })
    }
    const successor = (ok[0] as PromiseFulfilledResult<{ token: string }>).value.token
    expect(await sessions.get(successor)).toBeDefined()
    expect(await sessions.get(first.token)).toBeUndefined()
  })
})
