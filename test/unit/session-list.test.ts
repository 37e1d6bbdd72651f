import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/sessions/sessions'
import { deviceLabel } from '../../src/runtime/server/sessions/device'
import { sessionId } from '../../src/runtime/server/sessions/provider-tokens'
import { fingerprint } from '../../src/runtime/server/core/crypto'
import type { AegisUser } from '../../src/runtime/types'

const alice: AegisUser = { sub: 'alice', provider: 'mock' }
const bob: AegisUser = { sub: 'bob', provider: 'mock' }
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t }
  return c
}

function store(overrides: Partial<SessionStoreOptions> = {}) {
  return createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 30 * 86400, rotation: true, reuseInterval: 10, ...overrides,
  })
}

describe('[DEV-1] device labels from the User-Agent (bowser)', () => {
  it('names the browser and the system', () => {
    expect(deviceLabel(FIREFOX)).toBe('Firefox on Linux')
    expect(deviceLabel(IPHONE)).toBe('Safari on iOS')
  })

  it('is undefined for a missing, empty or unknown User-Agent', () => {
    expect(deviceLabel(undefined)).toBeUndefined()
    expect(deviceLabel('')).toBeUndefined()
    expect(deviceLabel('   ')).toBeUndefined()
    expect(deviceLabel('curl/8.4.0')).toBeUndefined()
  })

  it('never echoes text of the header: only names from bowser\'s own lists', () => {
    for (const ua of ['<script>alert(1)</script>/1.0 (x)', 'EvilBrowser/1.0 <img src=x>', `${'A'.repeat(10_000)}/1.0`]) {
      const label = deviceLabel(ua)
      if (label !== undefined) expect(label).not.toMatch(/script|img|Evil|AAAA/)
    }
    expect(deviceLabel(`${FIREFOX}${' <b>'.repeat(5000)}`)).toBe('Firefox on Linux')
  })
})

describe('[DEV-2] the session list: created, last refreshed, device, provider, current', () => {
  it('keeps the login\'s device label and notes each refresh (time and device), never the raw header', async () => {
    const c = clock()
    const storage = createStorage()
    const sessions = store({ storage, now: c.now })
    const login = await sessions.create({ user: alice, claims: {}, device: deviceLabel(FIREFOX) })
    let [listed] = await sessions.listUser('alice', { provider: 'mock' })
    expect(listed).toEqual({
      id: fingerprint(login.session.familyId), provider: 'mock', createdAt: c.t, refreshedAt: c.t,
      expiresAt: login.session.expiresAt, device: 'Firefox on Linux', current: false,
    })
    c.t += 60_000
    const next = await sessions.rotate(login.token, undefined, { device: deviceLabel(IPHONE) })
    ;[listed] = await sessions.listUser('alice', { provider: 'mock', current: sessionId(login.session.familyId) })
    expect(listed).toMatchObject({ createdAt: c.t - 60_000, refreshedAt: c.t, device: 'Safari on iOS', current: true })
    // A replay inside the reuse interval gets the same successor and notes nothing new.
    c.t += 1000
    expect((await sessions.rotate(login.token)).token).toBe(next.token)
    expect((await sessions.listUser('alice'))[0]!.refreshedAt).toBe(c.t - 1000)
    const stored = JSON.stringify(await Promise.all((await storage.getKeys()).map(key => storage.getItem(key))))
    expect(stored).not.toContain('Mozilla')
    expect(stored).not.toContain('Gecko')
  })

  it('a refresh without a known device keeps the label it had', async () => {
    const sessions = store()
    const login = await sessions.create({ user: alice, claims: {}, device: 'Firefox on Linux' })
    await sessions.rotate(login.token, undefined, { device: undefined })
    expect((await sessions.listUser('alice'))[0]!.device).toBe('Firefox on Linux')
  })

  it('with rotation off, a refresh is noted too', async () => {
    const c = clock()
    const sessions = store({ rotation: false, now: c.now })
    const login = await sessions.create({ user: alice, claims: {} })
    c.t += 5000
    await sessions.rotate(login.token, undefined, { device: 'Chrome on Windows' })
    expect((await sessions.listUser('alice'))[0]).toMatchObject({ refreshedAt: c.t, device: 'Chrome on Windows' })
  })

  it('noting a refresh never brings back a session revoked meanwhile', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const login = await sessions.create({ user: alice, claims: {} })
    // The family goes right after the parent is retired, before the refresh is noted on the family.
    const parentKey = `refresh:${login.token.split('.')[0]}`
    const original = storage.setItem.bind(storage)
    storage.setItem = async (key: string, value: unknown, opts?: { ttl?: number }) => {
      await original(key, value as string, opts)
      if (key === parentKey && JSON.stringify(value).includes('rotatedAt')) await sessions.revokeFamily(login.session.familyId)
    }
    await sessions.rotate(login.token).catch(() => undefined)
    expect(await storage.getItem(`refresh:family:${login.session.familyId}`)).toBeNull()
    expect(await sessions.listUser('alice')).toEqual([])
  })

  it('[DEV-3] sessions from before the new fields still list and refresh', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const login = await sessions.create({ user: alice, claims: {}, device: 'Firefox on Linux' })
    const key = `refresh:family:${login.session.familyId}`
    const { device: _d, refreshedAt: _r, ...old } = (await storage.getItem(key)) as Record<string, unknown>
    await storage.setItem(key, old)
    expect((await sessions.listUser('alice'))[0]).toMatchObject({ device: null, refreshedAt: login.session.createdAt, createdAt: login.session.createdAt })
    const next = await sessions.rotate(login.token, undefined, { device: 'Safari on iOS' })
    expect(next.token).not.toBe(login.token)
    expect((await sessions.listUser('alice'))[0]).toMatchObject({ device: 'Safari on iOS' })
  })
})

describe('[DEV-4] finding a session by id only ever searches the user\'s own index', () => {
  it('finds the user\'s own session by listed id or by sid, never another user\'s', async () => {
    const sessions = store()
    const mine = await sessions.create({ user: alice, claims: {} })
    const theirs = await sessions.create({ user: bob, claims: {} })
    const theirId = fingerprint(theirs.session.familyId)
    expect((await sessions.findUserSession('alice', { id: fingerprint(mine.session.familyId) }, { provider: 'mock' }))?.familyId).toBe(mine.session.familyId)
    expect((await sessions.findUserSession('alice', { sid: sessionId(mine.session.familyId) }, { provider: 'mock' }))?.familyId).toBe(mine.session.familyId)
    expect(await sessions.findUserSession('alice', { id: theirId }, { provider: 'mock' })).toBeUndefined()
    expect(await sessions.findUserSession('alice', { sid: sessionId(theirs.session.familyId) }, { provider: 'mock' })).toBeUndefined()
    // Same sub, other provider: another user.
    expect(await sessions.findUserSession('alice', { id: fingerprint(mine.session.familyId) }, { provider: 'github' })).toBeUndefined()
    expect(await sessions.findUserSession('alice', {}, { provider: 'mock' })).toBeUndefined()
  })

  it('a record whose user does not match the index it was found through is not the user\'s', async () => {
    const storage = createStorage()
    const sessions = store({ storage })
    const mine = await sessions.create({ user: alice, claims: {} })
    const key = `refresh:family:${mine.session.familyId}`
    await storage.setItem(key, { ...(await storage.getItem(key) as object), user: bob })
    expect(await sessions.listUser('alice', { provider: 'mock' })).toEqual([])
    expect(await sessions.findUserSession('alice', { id: fingerprint(mine.session.familyId) }, { provider: 'mock' })).toBeUndefined()
  })
})
