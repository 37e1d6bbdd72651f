import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'

const alice = { sub: 'alice', provider: 'mock' }
const bob = { sub: 'bob', provider: 'mock' }

function setup() {
  const changes: Array<{ familyId: string, claimsAt: number }> = []
  const sessions = createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 0,
    onClaimsChange: async (familyId, claimsAt) => changes.push({ familyId, claimsAt }),
  })
  return { sessions, changes }
}

describe('[CLAIMS-1] claims of live sessions change in storage', () => {
  it('every live session of the user gets the new claims (kept by refresh), other users none; the change is reported with claimsAt', async () => {
    const { sessions, changes } = setup()
    const a1 = await sessions.create({ user: alice, claims: { role: 'user', team: 'x' }, amr: ['pwd'] })
    const a2 = await sessions.create({ user: alice, claims: { role: 'user' } })
    const b = await sessions.create({ user: bob, claims: { role: 'user' } })
    const before = Math.floor(Date.now() / 1000)
    const changed = await sessions.updateClaims({ sub: 'alice', change: claims => ({ ...claims, role: 'admin' }), pin: true })
    expect(changed).toHaveLength(2)
    expect(changes.map(c => c.familyId).sort()).toEqual([a1.session.familyId, a2.session.familyId].sort())
    for (const change of changes) {
      expect(change.claimsAt).toBeGreaterThanOrEqual(before)
      expect(change.claimsAt).toBeLessThanOrEqual(before + 2)
    }
    const one = await sessions.get(a1.token)
    expect(one).toMatchObject({ claims: { role: 'admin', team: 'x' }, amr: ['pwd'], claimsPinned: true, claimsAt: changes[0]!.claimsAt })
    expect((await sessions.get(b.token))?.claims).toEqual({ role: 'user' })
    // A rotation carries the stored claims on (the refresh route decides whether to run the claims function).
    const next = await sessions.rotate(a2.token)
    expect(next.session).toMatchObject({ claims: { role: 'admin' }, claimsPinned: true })
  })

  it('claimsAt only moves forward, and an update that is not pinned unpins', async () => {
    const { sessions, changes } = setup()
    const s = await sessions.create({ user: alice, claims: {} })
    await sessions.updateClaims({ sub: 'alice', change: () => ({ a: 1 }), pin: true })
    await sessions.updateClaims({ sub: 'alice', familyId: s.session.familyId, change: () => ({ a: 2 }), pin: false })
    // Strictly later: a token issued at the first claimsAt is refused by the second.
    expect(changes[1]!.claimsAt).toBeGreaterThan(changes[0]!.claimsAt)
    const now = await sessions.get(s.token)
    expect(now?.claims).toEqual({ a: 2 })
    expect(now?.claimsPinned).toBeUndefined()
  })

  it('the same server-set claims on a pinned session record nothing; unpinned sessions always get a new generation', async () => {
    const { sessions, changes } = setup()
    const s = await sessions.create({ user: alice, claims: { role: 'user' } })
    // Unpinned: its tokens carry what the claims function computed at each refresh (maybe not the
    // stored claims), so even the same stored claims must refuse them.
    await sessions.updateClaims({ sub: 'alice', familyId: s.session.familyId, change: () => ({ role: 'user' }), pin: false })
    expect(changes).toHaveLength(1)
    await sessions.updateClaims({ sub: 'alice', change: () => ({ role: 'user' }), pin: true })
    expect(changes).toHaveLength(2)
    for (let i = 0; i < 5; i++) await sessions.updateClaims({ sub: 'alice', change: () => ({ role: 'user' }), pin: true })
    expect(changes).toHaveLength(2)
  })

  it('a generation put on the list is one the record reaches, also after a lost compare-and-set', async () => {
    const storage = createStorage()
    const written: number[] = []
    let clock = Date.now()
    let racing: (() => Promise<unknown>) | undefined
    const sessions = createSessionStore({
      storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 0, now: () => clock,
      onClaimsChange: async (_familyId, claimsAt) => {
        written.push(claimsAt)
        // Another update (an instance whose clock is 5 s behind) lands between this entry and this compare-and-set, once.
        const race = racing
        racing = undefined
        if (race) {
          clock -= 5000
          await race()
          clock += 5000
        }
      },
    })
    const s = await sessions.create({ user: alice, claims: { role: 'admin' } })
    racing = () => sessions.updateClaims({ sub: 'alice', change: () => ({ role: 'user' }), pin: true })
    await sessions.updateClaims({ sub: 'alice', change: () => ({ role: 'user' }), pin: true })
    const stored = await sessions.get(s.token)
    expect(stored?.claims).toEqual({ role: 'user' })
    expect(stored?.claimsAt).toBeGreaterThanOrEqual(Math.max(...written))
  })

  it('the old tokens are refused before the new claims exist: when that cannot be recorded, the claims stay as they were', async () => {
    const sessions = createSessionStore({
      storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 0,
      onClaimsChange: async () => {
        throw new Error('revocation store down')
      },
    })
    const s = await sessions.create({ user: alice, claims: { role: 'admin' } })
    await expect(sessions.updateClaims({ sub: 'alice', change: () => ({ role: 'user' }), pin: true })).rejects.toThrow()
    expect((await sessions.get(s.token))?.claims).toEqual({ role: 'admin' })
  })

  it('an ended session is not brought back, and a family of someone else named by id is not changed for this sub', async () => {
    const { sessions, changes } = setup()
    const s = await sessions.create({ user: alice, claims: {} })
    await sessions.revoke(s.token)
    expect(await sessions.updateClaims({ sub: 'alice', change: () => ({ a: 1 }), pin: true })).toEqual([])
    const other = await sessions.create({ user: bob, claims: { role: 'user' } })
    expect(await sessions.updateClaims({ sub: 'alice', familyId: other.session.familyId, change: () => ({ role: 'admin' }), pin: true })).toEqual([])
    expect(changes).toEqual([])
  })
})
