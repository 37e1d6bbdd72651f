import { createStorage } from 'unstorage'
import type { Storage } from 'unstorage'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AegisError } from '../../src/runtime/server/core/errors'
import { createSessionStore, TokenReuseError } from '../../src/runtime/server/sessions/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/sessions/sessions'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { sha256 } from '../../src/runtime/server/core/crypto'
import type { AegisUser } from '../../src/runtime/types'

const user: AegisUser = { sub: 'alice', provider: 'mock', email: 'alice@example.com' }
const claims = { role: 'admin' }
const TOKEN = /^[\w-]{22}\.[\w-]{43}$/
const HOUR = 3600_000

/**
 * A storage whose calls can be made to fail: `failAll` breaks every read and write,
 * `failSetAt` breaks only the n-th setItem from now on (1-based).
 */
export function faultyStorage(inner: Storage = createStorage()) {
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
  return createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 30 * 86400, rotation: true, reuseInterval: 10, ...overrides,
  })
}

async function expectRefused(promise: Promise<unknown>, status = 401, code = 'invalid_refresh_token') {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisError)
  expect(error).toMatchObject({ statusCode: status, code })
  return error as AegisError
}

/** Every value in storage, as text (what a driver holds). */
async function dump(storage: Storage): Promise<string> {
  const keys = await storage.getKeys()
  const values = await Promise.all(keys.map(key => storage.getItem(key)))
  return keys.join('\n') + JSON.stringify(values)
}

beforeEach(() => {
  // The store logs driver failures and unreadable records; keep the test output quiet.
  vi.spyOn(console, 'error').mockImplementation(() => {})
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('[REF-1] creating a session', () => {
  it('returns a <22>.<43> token, a new family, the user and claims, and the cookie lifetime', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const { token, session, maxAge } = await sessions.create({ user, claims })
    expect(token).toMatch(TOKEN)
    expect(session).toMatchObject({ user, claims, createdAt: c.t, expiresAt: c.t + 30 * 86400_000 })
    expect(session.familyId).toMatch(/^[\w-]{22}$/)
    expect(maxAge).toBe(3600)
    expect(await sessions.get(token)).toMatchObject({ familyId: session.familyId, user })
  })

  it('[JWT-6] keeps the login\'s amr on the session apart from its claims, through every rotation', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims: { role: 'a', amr: ['mfa'] }, amr: ['pwd', 'otp'] })
    expect(first.session.amr).toEqual(['pwd', 'otp'])
    const next = await sessions.rotate(first.token, async () => ({ role: 'b' }))
    expect(next.session).toMatchObject({ amr: ['pwd', 'otp'], claims: { role: 'b' } })
    expect((await sessions.get(next.token))?.amr).toEqual(['pwd', 'otp'])
    // A session without one has none, whatever its claims say.
    const plain = await sessions.create({ user, claims: { amr: ['mfa'] } })
    expect(plain.session.amr).toBeUndefined()
    expect((await sessions.rotate(plain.token)).session.amr).toBeUndefined()
  })

  it('every login starts its own family and gets a different token', async () => {
    const sessions = store()
    const a = await sessions.create({ user, claims })
    const b = await sessions.create({ user, claims })
    expect(a.token).not.toBe(b.token)
    expect(a.session.familyId).not.toBe(b.session.familyId)
  })

  it('[SES-9] storage never holds a token or any part of its secret, across rotations', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const tokens = [(await sessions.create({ user, claims })).token]
    for (let i = 0; i < 3; i++) tokens.push((await sessions.rotate(tokens.at(-1)!)).token)
    const raw = await dump(storage)
    for (const token of tokens) {
      const secret = token.split('.')[1]!
      expect(raw).not.toContain(secret)
      expect(raw).not.toContain(secret.slice(0, 12))
      expect(raw).not.toContain(secret.slice(-12))
    }
  })
})

describe('[REF-1] [REF-2] refusing bad tokens', () => {
  it.each(['', 'garbage', 'a.b', `${'a'.repeat(22)}.${'b'.repeat(42)}`, `${'a'.repeat(22)}.${'b'.repeat(43)}.x`, `${'a'.repeat(22)}.${'b'.repeat(43)}`])('refuses %j', async (token) => {
    const sessions = store()
    await sessions.create({ user, claims })
    expect(await sessions.get(token)).toBeUndefined()
    await expectRefused(sessions.rotate(token))
  })

  it('refuses the right id with a wrong secret, and the real token is unaffected', async () => {
    const sessions = store()
    const { token } = await sessions.create({ user, claims })
    const [id, secret] = token.split('.') as [string, string]
    const wrong = `${id}.${secret.slice(0, 42)}${secret.endsWith('A') ? 'B' : 'A'}`
    expect(await sessions.get(wrong)).toBeUndefined()
    await expectRefused(sessions.rotate(wrong))
    expect(await sessions.revoke(wrong)).toBeUndefined()
    expect(await sessions.get(token)).toBeDefined()
  })

  it('refuses a secret moved to another id', async () => {
    const sessions = store()
    const a = await sessions.create({ user, claims })
    const b = await sessions.create({ user, claims })
    await expectRefused(sessions.rotate(`${a.token.split('.')[0]}.${b.token.split('.')[1]}`))
  })

  it('refuses records of the 0.1 format (users log in again after the upgrade)', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const { token } = await sessions.create({ user, claims })
    const key = `refresh:${token.split('.')[0]}`
    await storage.setItem(key, { ...(await storage.getItem<object>(key)), v: 1 })
    await expectRefused(sessions.rotate(token))
  })
})

describe('[SES-3] idle and absolute expiry', () => {
  it('a token unused for the idle timeout is refused and its family ends', async () => {
    const c = clock()
    const storage = createStorage()
    const sessions = store({ storage, idleTimeout: 60, now: c.now })
    const { token, session } = await sessions.create({ user, claims })
    c.t += 59_999
    expect(await sessions.get(token)).toBeDefined()
    c.t += 1
    expect(await sessions.get(token)).toBeUndefined()
    await expectRefused(sessions.rotate(token))
    expect(await storage.hasItem(`refresh:family:${session.familyId}`)).toBe(false)
  })

  it('each refresh restarts the idle timeout, never beyond the absolute end', async () => {
    const c = clock()
    const sessions = store({ idleTimeout: 3600, absoluteTimeout: 3 * 3600, now: c.now })
    let { token } = await sessions.create({ user, claims })
    const end = c.t + 3 * HOUR
    c.t += 50 * 60_000
    let next = await sessions.rotate(token)
    expect(next.maxAge).toBe(3600)
    token = next.token
    c.t += 50 * 60_000
    token = (await sessions.rotate(token)).token
    c.t = end - 30 * 60_000
    next = await sessions.rotate(token)
    // Half an hour left of the login: the token and its cookie live half an hour, not an hour.
    expect(next.maxAge).toBe(1800)
    expect(next.session.expiresAt).toBe(end)
    c.t = end
    await expectRefused(sessions.rotate(next.token))
  })

  it('with rotation off, a refresh renews the same token, also capped by the absolute end', async () => {
    const c = clock()
    const sessions = store({ rotation: false, idleTimeout: 60, absoluteTimeout: 150, now: c.now })
    const first = await sessions.create({ user, claims })
    c.t += 50_000
    const again = await sessions.rotate(first.token)
    expect(again.token).toBe(first.token)
    expect(again.maxAge).toBe(60)
    c.t += 50_000 // past the first idle end, inside the renewed one
    expect(await sessions.get(first.token)).toBeDefined()
    expect((await sessions.rotate(first.token)).maxAge).toBe(50)
    c.t += 50_000
    await expectRefused(sessions.rotate(first.token))
  })
})

describe('[REF-2] rotation', () => {
  it('gives a new token in the same family; the old one is no live session any more', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    expect(second.token).toMatch(TOKEN)
    expect(second.token).not.toBe(first.token)
    expect(second.session).toMatchObject({ familyId: first.session.familyId, user, claims, createdAt: first.session.createdAt })
    expect(await sessions.get(first.token)).toBeUndefined()
    expect(await sessions.get(second.token)).toBeDefined()
  })

  it('recomputes claims with claimsFor from the stored session', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const claimsFor = vi.fn(async () => ({ role: 'user', fresh: true }))
    const second = await sessions.rotate(first.token, claimsFor)
    expect(claimsFor).toHaveBeenCalledWith(expect.objectContaining({ familyId: first.session.familyId, user }))
    expect(second.session.claims).toEqual({ role: 'user', fresh: true })
  })
})

describe('[SES-1] reuse interval and reuse detection', () => {
  it('inside the interval the immediate predecessor gets the same successor, not a second one', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    c.t += 9_000
    const again = await sessions.rotate(first.token)
    expect(again.token).toBe(second.token)
    expect(await sessions.get(second.token)).toBeDefined()
  })

  it('after the interval a replayed predecessor revokes the whole family (401 token_reused)', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    c.t += 10_001
    const error = await expectRefused(sessions.rotate(first.token), 401, 'token_reused')
    expect(error).toBeInstanceOf(TokenReuseError)
    expect((error as TokenReuseError).session).toMatchObject({ familyId: first.session.familyId, user })
    // The attacker's and the victim's tokens are both dead now.
    await expectRefused(sessions.rotate(second.token))
    expect(await sessions.get(second.token)).toBeUndefined()
  })

  it('an older ancestor revokes the family even inside the interval', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    const third = await sessions.rotate(second.token)
    await expectRefused(sessions.rotate(first.token), 401, 'token_reused')
    await expectRefused(sessions.rotate(third.token))
  })

  it('with reuseInterval 0 any replay of a rotated token is reuse', async () => {
    const sessions = store({ reuseInterval: 0 })
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    await expectRefused(sessions.rotate(first.token), 401, 'token_reused')
    await expectRefused(sessions.rotate(second.token))
  })

  it('reuse ends only that family: the user\'s other logins go on', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const other = await sessions.create({ user, claims })
    const first = await sessions.create({ user, claims })
    await sessions.rotate(first.token)
    c.t += 60_000
    await expectRefused(sessions.rotate(first.token), 401, 'token_reused')
    expect(await sessions.get(other.token)).toBeDefined()
  })
})

describe('[SES-2] parallel refreshes never fork a family', () => {
  it('10 parallel rotations with one cookie in one process all succeed with the same successor', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims })
    const results = await Promise.all(Array.from({ length: 10 }, () => sessions.rotate(first.token)))
    expect(new Set(results.map(r => r.token)).size).toBe(1)
    expect(await sessions.get(results[0]!.token)).toBeDefined()
  })

  it('20 parallel rotations spread over two instances (shared storage and locks) get one successor', async () => {
    const storage = createStorage()
    const locks = createMemoryLocks()
    const a = store({ storage, locks })
    const b = store({ storage, locks })
    const first = await a.create({ user, claims })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).rotate(first.token)))
    expect(new Set(results.map(r => r.token)).size).toBe(1)
    // Exactly one live token in the family: the successor; a rotation of it works on either instance.
    const live = await Promise.all((await storage.getKeys('refresh:')).filter(k => /^refresh:[\w-]{22}$/.test(k)).map(k => storage.getItem<{ rotatedAt?: number }>(k)))
    expect(live.filter(r => !r?.rotatedAt)).toHaveLength(1)
    expect((await b.rotate(results[0]!.token)).token).toMatch(TOKEN)
  })

  it('a request that read the token just before another instance rotated it gets that same successor', async () => {
    const inner = createStorage()
    const locks = createMemoryLocks()
    let open!: () => void
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    let paused = false
    // Instance B stops right after reading the family, i.e. after it saw the token live.
    const gated = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        if (prop !== 'getItem') return value.bind(target)
        return async (key: string, ...rest: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).call(target, key, ...rest)
          if (!paused && key.startsWith('refresh:family:')) {
            paused = true
            await gate
          }
          return result
        }
      },
    })
    const a = store({ storage: inner, locks })
    const b = store({ storage: gated, locks })
    const first = await a.create({ user, claims })
    const onB = b.rotate(first.token)
    await vi.waitFor(() => expect(paused).toBe(true))
    const onA = await a.rotate(first.token)
    open()
    expect((await onB).token).toBe(onA.token)
  })

  it('[SES-13] a holder whose rotation lock ran out (slow claims) cannot fork the family: the parent is retired by compare-and-set', async () => {
    const c = clock()
    const storage = createStorage()
    const locks = createMemoryLocks(c.now)
    const a = store({ storage, locks, now: c.now })
    const b = store({ storage, locks, now: c.now })
    const first = await a.create({ user, claims })
    let entered!: () => void
    const inClaims = new Promise<void>((resolve) => {
      entered = resolve
    })
    let finish!: () => void
    const slow = new Promise<void>((resolve) => {
      finish = resolve
    })
    // A holds the rotation lock, then its claims function outlasts the lease (5 s).
    const onA = a.rotate(first.token, async (session) => {
      entered()
      await slow
      return session.claims
    })
    await inClaims
    c.t += 6000
    // B takes the expired lock, finds the parent unrotated and rotates it.
    const onB = await b.rotate(first.token)
    finish()
    const afterA = await onA
    expect(afterA.token).toBe(onB.token)
    const live = await Promise.all((await storage.getKeys('refresh:')).filter(k => /^refresh:[\w-]{22}$/.test(k)).map(k => storage.getItem<{ rotatedAt?: number }>(k)))
    expect(live.filter(r => !r?.rotatedAt)).toHaveLength(1)
  })

  it('reuse is detected across instances', async () => {
    const c = clock()
    const storage = createStorage()
    const locks = createMemoryLocks(c.now)
    const a = store({ storage, locks, now: c.now })
    const b = store({ storage, locks, now: c.now })
    const first = await a.create({ user, claims })
    const second = await a.rotate(first.token)
    c.t += 30_000
    await expectRefused(b.rotate(first.token), 401, 'token_reused')
    await expectRefused(a.rotate(second.token))
  })
})

describe('[REF-3] [SES-4] revocation and the per-user index', () => {
  it('revoke ends the family; a second revoke finds nothing', async () => {
    const sessions = store()
    const { token, session } = await sessions.create({ user, claims })
    expect(await sessions.revoke(token)).toEqual({ session: expect.objectContaining({ familyId: session.familyId }), live: true })
    await expectRefused(sessions.rotate(token))
    expect(await sessions.revoke(token)).toBeUndefined()
  })

  it('revoking with an older, rotated token is reuse: it ends the tokens that replaced it, and cleans the chain', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const first = await sessions.create({ user, claims })
    const second = await sessions.rotate(first.token)
    const third = await sessions.rotate(second.token)
    await expectRefused(sessions.revoke(first.token), 401, 'token_reused')
    await expectRefused(sessions.rotate(third.token))
    expect(await storage.getKeys()).toEqual([])
  })

  it('[SES-10] revoking is judged as rotating: a replay outside the interval is reuse, the racing predecessor ends its session but is not live', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const first = await sessions.create({ user, claims })
    await sessions.rotate(first.token)
    // A tab a second behind (inside reuseInterval): its logout ends the session, as no reuse.
    expect(await sessions.revoke(first.token)).toEqual({ session: expect.objectContaining({ user }), live: false })
    const other = await sessions.create({ user, claims })
    const next = await sessions.rotate(other.token)
    c.t += 30_000
    const error = await expectRefused(sessions.revoke(other.token), 401, 'token_reused')
    expect(error).toBeInstanceOf(TokenReuseError)
    expect((error as TokenReuseError).session.user).toEqual(user)
    expect(await sessions.get(next.token)).toBeUndefined()
  })

  it('revokeFamily ends a session by family id (a replayed CODE revokes what it issued)', async () => {
    const sessions = store()
    const { token, session } = await sessions.create({ user, claims })
    await sessions.revokeFamily(session.familyId)
    await expectRefused(sessions.rotate(token))
  })

  it('listUser shows the user\'s live sessions by fingerprint; revokeUser ends all but the one kept', async () => {
    const sessions = store()
    const bob: AegisUser = { sub: 'bob', provider: 'mock' }
    const a = await sessions.create({ user, claims })
    const b = await sessions.create({ user, claims })
    const c = await sessions.create({ user, claims })
    const other = await sessions.create({ user: bob, claims })
    const listed = await sessions.listUser('alice')
    expect(listed).toHaveLength(3)
    expect(JSON.stringify(listed)).not.toContain(a.session.familyId)
    expect(listed[0]).toMatchObject({ provider: 'mock', id: expect.stringMatching(/^[\w-]{12}$/) })
    expect(await sessions.revokeUser('alice', { exceptFamilyId: b.session.familyId })).toBe(2)
    await expectRefused(sessions.rotate(a.token))
    await expectRefused(sessions.rotate(c.token))
    expect(await sessions.get(b.token)).toBeDefined()
    expect(await sessions.get(other.token)).toBeDefined()
    expect(await sessions.listUser('alice')).toHaveLength(1)
  })

  it('revokeUser can be limited to one provider (identity is provider + subject)', async () => {
    const sessions = store()
    const mock = await sessions.create({ user, claims })
    const other = await sessions.create({ user: { ...user, provider: 'password' }, claims })
    expect(await sessions.revokeUser('alice', { provider: 'password' })).toBe(1)
    expect(await sessions.get(mock.token)).toBeDefined()
    expect(await sessions.get(other.token)).toBeUndefined()
  })

  it('[SES-12] one sub on two providers is two users: listing and revoking one identity never reads or ends the other\'s sessions', async () => {
    const inner = createStorage()
    const reads: string[] = []
    const counted = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        if (prop !== 'getItem') return value.bind(target)
        return (key: string, ...rest: unknown[]) => {
          reads.push(key)
          return (value as (...a: unknown[]) => unknown).call(target, key, ...rest)
        }
      },
    })
    const sessions = store({ storage: counted })
    const local = await sessions.create({ user: { sub: '12345', provider: 'password' }, claims })
    const github = await sessions.create({ user: { sub: '12345', provider: 'github' }, claims })
    expect(await sessions.listUser('12345', { provider: 'github' })).toEqual([expect.objectContaining({ provider: 'github' })])
    reads.length = 0
    expect(await sessions.revokeUser('12345', { provider: 'password' })).toBe(1)
    expect(reads).not.toContain(`refresh:family:${github.session.familyId}`)
    expect(await sessions.get(local.token)).toBeUndefined()
    expect(await sessions.get(github.token)).toBeDefined()
    expect(await sessions.listUser('12345', { provider: 'password' })).toEqual([])
  })

  it('[SES-12] a sub without a provider means every provider it logged in with (as before identities), with a warning', async () => {
    const sessions = store()
    const local = await sessions.create({ user: { sub: '12345', provider: 'password' }, claims })
    const github = await sessions.create({ user: { sub: '12345', provider: 'github' }, claims })
    expect(await sessions.listUser('12345')).toHaveLength(2)
    expect(await sessions.revokeUser('12345')).toBe(2)
    expect(await sessions.get(local.token)).toBeUndefined()
    expect(await sessions.get(github.token)).toBeUndefined()
    expect(console.warn).toHaveBeenCalledWith('[nuxt-aegis]', expect.stringContaining('pass the provider'))
  })

  it('[SES-12] sessions indexed by sub alone before the upgrade are still listed and ended (by their own provider only)', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const old = await sessions.create({ user, claims })
    const older = await sessions.create({ user, claims })
    // What 0.1 left behind: one index per sub, no identity index, no provider list.
    await storage.removeItem(`refresh:identity:${sha256(JSON.stringify(['mock', 'alice']))}`)
    await storage.setItem(`refresh:user:${sha256('alice')}`, { v: 2, families: { [old.session.familyId]: old.session.expiresAt, [older.session.familyId]: older.session.expiresAt } })
    expect(await sessions.listUser('alice', { provider: 'mock' })).toHaveLength(2)
    expect(await sessions.revokeUser('alice', { provider: 'github' })).toBe(0)
    expect(await sessions.get(old.token)).toBeDefined()
    expect(await sessions.revokeUser('alice', { provider: 'mock', exceptFamilyId: older.session.familyId })).toBe(1)
    expect(await sessions.get(old.token)).toBeUndefined()
    expect(await sessions.revokeUser('alice')).toBe(1)
    expect(await sessions.get(older.token)).toBeUndefined()
    expect(await storage.getKeys()).toEqual([])
  })

  it('parallel logins of one user all land in the index', async () => {
    const sessions = store()
    const created = await Promise.all(Array.from({ length: 12 }, () => sessions.create({ user, claims })))
    expect(await sessions.listUser('alice')).toHaveLength(12)
    expect(await sessions.revokeUser('alice')).toBe(12)
    for (const { token } of created) expect(await sessions.get(token)).toBeUndefined()
  })

  it('the index forgets families that ended by themselves', async () => {
    const c = clock()
    const storage = createStorage()
    const sessions = store({ storage, absoluteTimeout: 60, idleTimeout: 60, now: c.now })
    await sessions.create({ user, claims })
    c.t += 61_000
    expect(await sessions.listUser('alice')).toEqual([])
    await sessions.create({ user, claims })
    expect(await sessions.listUser('alice')).toHaveLength(1)
  })
})

describe('[REF-4] storage failures', () => {
  it('a failing driver answers 503 storage_unavailable without its message, and the session works once it recovers', async () => {
    const { storage, control } = faultyStorage()
    const sessions = store({ storage })
    const { token } = await sessions.create({ user, claims })
    control.failAll = true
    const error = await expectRefused(sessions.rotate(token), 503, 'storage_unavailable')
    expect(error.message + (error.detail ?? '')).not.toMatch(/driver down/)
    await expectRefused(sessions.get(token), 503, 'storage_unavailable')
    await expectRefused(sessions.revoke(token), 503, 'storage_unavailable')
    control.failAll = false
    expect((await sessions.rotate(token)).token).toMatch(TOKEN)
  })

  it('a failing write on create answers 503 and leaves no session behind', async () => {
    const { storage, control, inner } = faultyStorage()
    const sessions = store({ storage })
    control.failAll = true
    await expectRefused(sessions.create({ user, claims }), 503, 'storage_unavailable')
    expect(await inner.getKeys()).toEqual([])
  })

  it.each([1, 2])('a lost write at step %i of a rotation keeps the parent usable; the retry gets one successor', async (step) => {
    const { storage, control } = faultyStorage()
    const sessions = store({ storage })
    const { token } = await sessions.create({ user, claims })
    control.sets = 0
    control.failSetAt = step // 1: writing the successor; 2: retiring the parent
    await expectRefused(sessions.rotate(token), 503, 'storage_unavailable')
    control.failSetAt = 0
    expect(await sessions.get(token)).toBeDefined()
    const next = await sessions.rotate(token)
    // The predecessor replayed inside the interval gets that same successor, not the lost one.
    expect((await sessions.rotate(token)).token).toBe(next.token)
  })

  it('a slow driver with uneven delays delays but never forks rotations spread over two instances', async () => {
    const inner = createStorage()
    // Each call waits 0-7 ms: requests on the two instances interleave in ever different orders.
    const slow = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 8)))
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const locks = createMemoryLocks()
    const a = store({ storage: slow, locks })
    const b = store({ storage: slow, locks })
    let { token } = await a.create({ user, claims })
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? a : b).rotate(token)))
      expect(new Set(results.map(r => r.token)).size).toBe(1)
      token = results[0]!.token
    }
  })
})

describe('[SES-3] ended sessions disappear without a scan (drivers without TTL)', () => {
  /** Storage that counts key listings: the sweep must never list keys. */
  function counted() {
    const inner = createStorage()
    const counts = { getKeys: 0 }
    const storage = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        if (prop === 'getKeys' || prop === 'keys') {
          return (...args: unknown[]) => {
            counts.getKeys++
            return (value as (...a: unknown[]) => unknown).apply(target, args)
          }
        }
        return value.bind(target)
      },
    })
    return { storage, inner, counts }
  }

  it('a sweep removes every record of families that ended before today, and nothing else', async () => {
    const c = clock(Date.UTC(2026, 10, 1, 12))
    const { storage, inner, counts } = counted()
    const sessions = store({ storage, sweep: true, absoluteTimeout: 86400, idleTimeout: 3600, now: c.now })
    const old = await sessions.create({ user, claims })
    const rotated = await sessions.rotate(old.token)
    await sessions.rotate(rotated.token)
    c.t += 3 * 86_400_000
    const fresh = await sessions.create({ user: { sub: 'bob', provider: 'mock' }, claims })
    // The login above also started a background sweep; either one may do the work.
    await sessions.sweep()
    await vi.waitFor(async () => expect(await inner.hasItem(`refresh:family:${old.session.familyId}`)).toBe(false))
    const left = await inner.getKeys()
    // Only the fresh login (family, token, user indexes, its day bucket) and the sweep cursor remain.
    expect(left.filter(k => /^refresh:[\w-]{22}$/.test(k))).toEqual([`refresh:${fresh.token.split('.')[0]}`])
    expect(left.filter(k => k.startsWith('refresh:family:'))).toEqual([`refresh:family:${fresh.session.familyId}`])
    expect(left.filter(k => k.startsWith('refresh:user:'))).toHaveLength(1)
    expect(left.filter(k => k.startsWith('refresh:identity:'))).toHaveLength(1)
    expect(counts.getKeys).toBe(0)
    expect(await sessions.get(fresh.token)).toBeDefined()
    expect(await sessions.sweep()).toBe(0)
  })

  it('a busy day spreads over many small buckets (no record grows with the number of logins)', async () => {
    const storage = createStorage()
    const sessions = store({ storage, sweep: true })
    await Promise.all(Array.from({ length: 300 }, (_, i) => sessions.create({ user: { sub: `u${i}`, provider: 'mock' }, claims })))
    const buckets = (await storage.getKeys()).filter(k => k.startsWith('refresh:expiry:'))
    const sizes = await Promise.all(buckets.map(async k => (await storage.getItem<{ families: string[] }>(k))!.families.length))
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(300)
    expect(buckets.length).toBeGreaterThan(30)
    expect(Math.max(...sizes)).toBeLessThan(40)
  })

  it('without sweep (Redis, whose TTLs expire records) no day buckets are written', async () => {
    const storage = createStorage()
    const sessions = store({ storage, sweep: false })
    await sessions.create({ user, claims })
    expect((await storage.getKeys()).filter(k => k.includes('expiry') || k.includes('sweep'))).toEqual([])
  })
})

describe('[SES-14] tokens presented under the unprefixed (legacy) cookie name', () => {
  const legacy = { legacyCookie: true }

  it('a family issued under __Host- takes no token from the legacy name: no refresh, no session, no logout, nothing changed', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const { token, session } = await sessions.create({ user, claims, hostCookie: true })
    const before = await dump(storage)
    await expectRefused(sessions.rotate(token, undefined, legacy))
    expect(await sessions.get(token, legacy)).toBeUndefined()
    expect(await sessions.revoke(token, legacy)).toBeUndefined()
    // Nothing was rotated or revoked: the same storage, and the token still works under __Host-.
    expect(await dump(storage)).toBe(before)
    expect(await sessions.get(token)).toMatchObject({ familyId: session.familyId })
    expect((await sessions.rotate(token)).token).toMatch(TOKEN)
    // Logged, by fingerprint only.
    const logged = vi.mocked(console.warn).mock.calls.flat().join('\n')
    expect(logged).toContain('unprefixed cookie name')
    for (const part of token.split('.')) expect(logged).not.toContain(part)
  })

  it('the flag is kept across rotations: a successor is refused under the legacy name too', async () => {
    const sessions = store()
    const first = await sessions.create({ user, claims, hostCookie: true })
    const second = await sessions.rotate(first.token)
    const third = await sessions.rotate(second.token)
    await expectRefused(sessions.rotate(third.token, undefined, legacy))
    expect(await sessions.get(third.token, legacy)).toBeUndefined()
    expect(await sessions.get(third.token)).toMatchObject({ familyId: first.session.familyId })
  })

  it('a rotated token of a __Host- family under the legacy name is ignored, never reuse: the family goes on', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const first = await sessions.create({ user, claims, hostCookie: true })
    const second = await sessions.rotate(first.token)
    c.t += 30_000
    await expectRefused(sessions.rotate(first.token, undefined, legacy))
    expect(await sessions.revoke(first.token, legacy)).toBeUndefined()
    expect(await sessions.get(second.token)).toMatchObject({ familyId: first.session.familyId })
  })

  it('a family from before the prefix (no flag) still refreshes, is looked up and logs out under the legacy name', async () => {
    const sessions = store()
    const old = await sessions.create({ user, claims })
    expect(await sessions.get(old.token, legacy)).toMatchObject({ familyId: old.session.familyId })
    const next = await sessions.rotate(old.token, undefined, legacy)
    expect(next.session.familyId).toBe(old.session.familyId)
    expect(await sessions.revoke(next.token, legacy)).toMatchObject({ live: true })
    expect(await sessions.get(next.token)).toBeUndefined()
  })

  it('the flag is written only when asked for (no prefix, no flag)', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const prefixed = await sessions.create({ user, claims, hostCookie: true })
    const plain = await sessions.create({ user, claims, hostCookie: false })
    expect(await storage.getItem(`refresh:family:${prefixed.session.familyId}`)).toMatchObject({ hostCookie: true })
    expect(await storage.getItem(`refresh:family:${plain.session.familyId}`)).not.toHaveProperty('hostCookie')
  })
})
