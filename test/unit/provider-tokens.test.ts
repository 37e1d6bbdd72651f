/**
 * Provider tokens kept with a session: stored through the session store's codec, refreshed
 * once per session when due, removed when refused or when the session ends.
 */
import { createStorage } from 'unstorage'
import { describe, expect, it, vi } from 'vitest'
import { AegisError, log } from '../../src/runtime/server/core/errors'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { fromTokenResponse, openFromHandoff, refreshDue, sealForHandoff, sessionId, warnKeepTokens } from '../../src/runtime/server/sessions/provider-tokens'
import type { ProviderRefresh, ProviderTokenSet } from '../../src/runtime/server/sessions/provider-tokens'
import { createEncryptedCodec } from '../../src/runtime/server/sessions/record-codec'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/sessions/sessions'
import type { AegisUser } from '../../src/runtime/types'

const user: AegisUser = { sub: 'alice', provider: 'acme' }
const T0 = 1_700_000_000_000
const HOUR = 3_600_000

function clock() {
  const c = { t: T0, now: () => c.t }
  return c
}

function store(overrides: Partial<SessionStoreOptions> = {}) {
  return createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 30 * 86400, rotation: true, reuseInterval: 10, ...overrides,
  })
}

const tokens = (over: Partial<ProviderTokenSet> = {}): ProviderTokenSet =>
  ({ provider: 'acme', accessToken: 'at-1', refreshToken: 'rt-1', tokenType: 'Bearer', scope: 'read', obtainedAt: T0, expiresAt: T0 + HOUR, ...over })

/** A provider refresh that counts its calls and answers with numbered tokens. */
function provider(answer: (n: number, current: ProviderTokenSet) => Partial<ProviderTokenSet> = n => ({ accessToken: `at-${n + 1}`, refreshToken: `rt-${n + 1}` }), c = clock()) {
  const seen: string[] = []
  const refresh: ProviderRefresh = async (current) => {
    seen.push(current.refreshToken)
    await new Promise(resolve => setTimeout(resolve, 5))
    return { provider: 'acme', accessToken: '', obtainedAt: c.now(), expiresAt: c.now() + HOUR, ...answer(seen.length, current) }
  }
  return { refresh, seen }
}

/** A clock, a session store on it, and one session keeping `tokens()`; `sid` finds its provider tokens. */
async function keeping(over: Partial<ProviderTokenSet> = {}, options: Partial<SessionStoreOptions> = {}) {
  const c = clock()
  const sessions = store({ now: c.now, ...options })
  const { session } = await sessions.create({ user, claims: {}, providerTokens: tokens(over) })
  return { c, sessions, session, sid: sessionId(session.familyId) }
}

async function refused(promise: Promise<unknown>, status: number, code: string) {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(AegisError)
  expect((error as AegisError).statusCode).toBe(status)
  expect((error as AegisError).code).toBe(code)
}

describe('[VERIFY-3] provider tokens kept with the session', () => {
  it('returns the stored access token while it is fresh, without calling the provider', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const { session } = await sessions.create({ user, claims: {}, providerTokens: tokens() })
    const { refresh, seen } = provider(undefined, c)
    c.t += 30 * 60_000
    expect(await sessions.providerTokens.access(sessionId(session.familyId), 'acme', refresh)).toBe('at-1')
    expect(seen).toEqual([])
  })

  it('refreshes when due, stores the answer and uses the new refresh token next time', async () => {
    const { c, sessions, sid } = await keeping()
    const { refresh, seen } = provider(undefined, c)
    c.t = T0 + HOUR - 30_000
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBe('at-2')
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBe('at-2')
    c.t += HOUR
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBe('at-3')
    expect(seen).toEqual(['rt-1', 'rt-2'])
  })

  it('keeps the old refresh token and scope when the provider does not send new ones (RFC 6749 §6)', async () => {
    const { c, sessions, sid } = await keeping()
    const { refresh, seen } = provider(n => ({ accessToken: `at-${n + 1}` }), c)
    c.t = T0 + 2 * HOUR
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBe('at-2')
    c.t += 2 * HOUR
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBe('at-3')
    expect(seen).toEqual(['rt-1', 'rt-1'])
  })

  it('parallel callers of one session share one refresh (one process)', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const { session } = await sessions.create({ user, claims: {}, providerTokens: tokens() })
    const { refresh, seen } = provider(undefined, c)
    c.t = T0 + 2 * HOUR
    const got = await Promise.all(Array.from({ length: 8 }, () => sessions.providerTokens.access(sessionId(session.familyId), 'acme', refresh)))
    expect(new Set(got)).toEqual(new Set(['at-2']))
    expect(seen).toEqual(['rt-1'])
  })

  it('two instances sharing storage and locks refresh once: the second reads the first one\'s result under the lock', async () => {
    const c = clock()
    const storage = createStorage()
    const locks = createMemoryLocks(c.now)
    const a = store({ storage, locks, now: c.now })
    const b = store({ storage, locks, now: c.now })
    const { session } = await a.create({ user, claims: {}, providerTokens: tokens() })
    const sid = sessionId(session.familyId)
    const { refresh, seen } = provider(undefined, c)
    c.t = T0 + 2 * HOUR
    const got = await Promise.all([a.providerTokens.access(sid, 'acme', refresh), b.providerTokens.access(sid, 'acme', refresh)])
    expect(got).toEqual(['at-2', 'at-2'])
    expect(seen).toEqual(['rt-1'])
  })

  it('a refused refresh (expired or revoked provider refresh token) removes the tokens: 401 provider_reauth_required, then none', async () => {
    const { c, sessions, sid } = await keeping()
    const refresh: ProviderRefresh = async () => {
      throw new AegisError(401, 'provider_reauth_required', 'invalid_grant')
    }
    c.t = T0 + 2 * HOUR
    await refused(sessions.providerTokens.access(sid, 'acme', refresh), 401, 'provider_reauth_required')
    expect(await sessions.providerTokens.access(sid, 'acme', provider(undefined, c).refresh)).toBeUndefined()
  })

  it('an unreachable provider keeps the tokens for a later retry', async () => {
    const { c, sessions, sid } = await keeping()
    c.t = T0 + 2 * HOUR
    await refused(sessions.providerTokens.access(sid, 'acme', async () => {
      throw new AegisError(502, 'provider_unavailable', 'down')
    }), 502, 'provider_unavailable')
    expect(await sessions.providerTokens.access(sid, 'acme', provider(undefined, c).refresh)).toBe('at-2')
  })

  it('an expired access token without a refresh token is 401 provider_reauth_required; a token without expiry never refreshes', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const first = await sessions.create({ user, claims: {}, providerTokens: tokens({ refreshToken: undefined }) })
    const second = await sessions.create({ user, claims: {}, providerTokens: tokens({ refreshToken: undefined, expiresAt: undefined }) })
    const { refresh, seen } = provider(undefined, c)
    c.t = T0 + HOUR - 30_000
    // Due but still valid: used as it is, there is nothing to refresh it with.
    expect(await sessions.providerTokens.access(sessionId(first.session.familyId), 'acme', refresh)).toBe('at-1')
    c.t = T0 + HOUR + 1
    await refused(sessions.providerTokens.access(sessionId(first.session.familyId), 'acme', refresh), 401, 'provider_reauth_required')
    c.t = T0 + 20 * 86400_000
    expect(await sessions.providerTokens.access(sessionId(second.session.familyId), 'acme', refresh)).toBe('at-1')
    expect(seen).toEqual([])
  })

  it('only the provider the tokens came from; only for a live session', async () => {
    const c = clock()
    const sessions = store({ now: c.now, absoluteTimeout: 7200 })
    const { session } = await sessions.create({ user, claims: {}, providerTokens: tokens({ expiresAt: undefined }) })
    const sid = sessionId(session.familyId)
    const { refresh } = provider(undefined, c)
    expect(await sessions.providerTokens.access(sid, 'other', refresh)).toBeUndefined()
    expect(await sessions.providerTokens.access('not-a-session-id', 'acme', refresh)).toBeUndefined()
    c.t = T0 + 7200_000
    expect(await sessions.providerTokens.access(sid, 'acme', refresh)).toBeUndefined()
  })

  it('logout and reuse revocation remove them', async () => {
    const c = clock()
    const sessions = store({ now: c.now })
    const loggedOut = await sessions.create({ user, claims: {}, providerTokens: tokens() })
    const reused = await sessions.create({ user, claims: {}, providerTokens: tokens() })
    const { refresh } = provider(undefined, c)
    await sessions.revoke(loggedOut.token)
    expect(await sessions.providerTokens.access(sessionId(loggedOut.session.familyId), 'acme', refresh)).toBeUndefined()

    await sessions.rotate(reused.token)
    expect(await sessions.providerTokens.access(sessionId(reused.session.familyId), 'acme', refresh)).toBe('at-1')
    // The retired token replayed after the reuse interval: the family and its provider tokens end.
    c.t += 11_000
    await refused(sessions.rotate(reused.token), 401, 'token_reused')
    expect(await sessions.providerTokens.access(sessionId(reused.session.familyId), 'acme', refresh)).toBeUndefined()
  })

  it('a logout that lands while a refresh writes its answer still removes the tokens', async () => {
    const storage = createStorage()
    const c = clock()
    const sessions = store({ storage, now: c.now })
    const { session, token } = await sessions.create({ user, claims: {}, providerTokens: tokens() })
    const sid = sessionId(session.familyId)
    // The logout runs between the refresh's family check and its write of the new tokens.
    const setItem = storage.setItem.bind(storage)
    let armed = true
    storage.setItem = (async (key: string, value: unknown, options?: object) => {
      if (armed && key.includes(`provider:${sid}`)) {
        armed = false
        await sessions.revoke(token)
      }
      return setItem(key, value as string, options)
    }) as typeof storage.setItem
    c.t = T0 + 2 * HOUR
    await refused(sessions.providerTokens.access(sid, 'acme', provider(undefined, c).refresh), 401, 'provider_reauth_required')
    expect(armed).toBe(false)
    expect((await storage.getKeys()).filter(key => key.includes('provider'))).toEqual([])
  })

  it('prepare (the provider metadata) runs before the refresh takes its lock', async () => {
    const c = clock()
    const locks = createMemoryLocks(c.now)
    const steps: string[] = []
    const acquire = locks.acquire
    locks.acquire = async (name, ttlMs) => {
      steps.push(`lock ${name.split(':')[0]}`)
      return acquire(name, ttlMs)
    }
    const { sessions, sid } = await keeping({}, { locks, now: c.now })
    steps.length = 0
    c.t = T0 + 2 * HOUR
    const { refresh } = provider(undefined, c)
    expect(await sessions.providerTokens.access(sid, 'acme', async (current) => {
      steps.push('refresh')
      return refresh(current)
    }, async () => {
      steps.push('prepare')
    })).toBe('at-2')
    expect(steps).toEqual(['prepare', 'lock provider', 'refresh'])
  })

  it('without a refresh token nothing is prepared: an unreachable provider does not fail a still-valid token', async () => {
    const { c, sessions, sid } = await keeping({ refreshToken: undefined })
    c.t = T0 + HOUR - 30_000
    const down = async () => {
      throw new AegisError(502, 'provider_unavailable', 'metadata unreachable')
    }
    expect(await sessions.providerTokens.access(sid, 'acme', provider(undefined, c).refresh, down)).toBe('at-1')
  })

  it('another instance holding the refresh lock too long is 502 provider_unavailable, not a storage error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    try {
      const c = clock()
      const locks = createMemoryLocks(c.now)
      const { sessions, sid } = await keeping({}, { locks, now: c.now })
      // The other instance took the lock and hangs (its provider does not answer).
      expect(await locks.acquire(`provider:${sid}`, 10 * HOUR)).toBeTypeOf('string')
      c.t = T0 + 2 * HOUR
      const { refresh, seen } = provider(undefined, c)
      const pending = sessions.providerTokens.access(sid, 'acme', refresh)
      const outcome = refused(pending, 502, 'provider_unavailable')
      await vi.advanceTimersByTimeAsync(13_000)
      await outcome
      expect(seen).toEqual([])
    }
    finally {
      vi.useRealTimers()
    }
  })

  it('are encrypted at rest with the session codec: storage never holds the provider tokens', async () => {
    const storage = createStorage()
    const c = clock()
    const sessions = store({ storage, now: c.now, codec: createEncryptedCodec(['k'.repeat(32)]) })
    const { session } = await sessions.create({ user, claims: {}, providerTokens: tokens({ accessToken: 'provider-access-secret', refreshToken: 'provider-refresh-secret' }) })
    const keys = await storage.getKeys()
    expect(keys.some(key => key.includes(`provider:${sessionId(session.familyId)}`))).toBe(true)
    for (const key of keys) {
      const raw = JSON.stringify(await storage.getItem(key))
      expect(raw).not.toContain('provider-access-secret')
      expect(raw).not.toContain('provider-refresh-secret')
    }
    expect(await sessions.providerTokens.access(sessionId(session.familyId), 'acme', provider(undefined, c).refresh)).toBe('provider-access-secret')
  })
})

describe('[VERIFY-3] provider token helpers', () => {
  it('refreshDue: the last quarter of the lifetime, at most 60 s before the end; never without an expiry', () => {
    const short = { obtainedAt: T0, expiresAt: T0 + 8_000 }
    expect(refreshDue(short, T0 + 5_999)).toBe(false)
    expect(refreshDue(short, T0 + 6_000)).toBe(true)
    const long = { obtainedAt: T0, expiresAt: T0 + HOUR }
    expect(refreshDue(long, T0 + HOUR - 60_001)).toBe(false)
    expect(refreshDue(long, T0 + HOUR - 60_000)).toBe(true)
    expect(refreshDue({ obtainedAt: T0, expiresAt: undefined }, T0 + 100 * HOUR)).toBe(false)
  })

  it('fromTokenResponse keeps what a token response says, and nothing without an access token', () => {
    expect(fromTokenResponse('acme', { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', scope: 's', expires_in: 60, id_token: 'x' }, T0))
      .toEqual({ provider: 'acme', accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', scope: 's', expiresAt: T0 + 60_000, obtainedAt: T0 })
    expect(fromTokenResponse('acme', { access_token: 'a', expires_in: 'soon' }, T0)?.expiresAt).toBeUndefined()
    // Some providers send the lifetime as a string: still an expiry, so the token gets refreshed.
    expect(fromTokenResponse('acme', { access_token: 'a', expires_in: '3599' }, T0)?.expiresAt).toBe(T0 + 3_599_000)
    expect(fromTokenResponse('acme', { token_type: 'Bearer' }, T0)).toBeUndefined()
  })

  it('the CODE hand-off seal opens only with the browser binding it was sealed for', () => {
    const sealed = sealForHandoff('binding-1', tokens())
    expect(sealed).not.toContain('at-1')
    expect(sealed).not.toContain('rt-1')
    expect(openFromHandoff('binding-1', sealed)).toEqual(tokens())
    expect(openFromHandoff('binding-2', sealed)).toBeUndefined()
    expect(openFromHandoff('binding-1', undefined)).toBeUndefined()
  })

  it('warnKeepTokens: once per provider, so a route-level keepTokens warns at its first login as nuxt.config ones do at start-up', () => {
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => {})
    try {
      warnKeepTokens(['route-a'], { sessions: false, encrypted: false, production: false })
      warnKeepTokens(['route-a'], { sessions: false, encrypted: false, production: false })
      warnKeepTokens(['route-b'], { sessions: true, encrypted: false, production: true })
      warnKeepTokens(['route-c'], { sessions: true, encrypted: true, production: true })
      warnKeepTokens(['route-d'], { sessions: true, encrypted: false, production: false })
      expect(warn.mock.calls.map(call => String(call[0]))).toEqual([
        'providers route-a have keepTokens on, but tokenRefresh is off: there is no session to keep provider tokens with, and getProviderToken answers 409',
        'providers route-b keep their tokens in session storage unencrypted: turn on tokenRefresh.encryption (NUXT_AEGIS_ENCRYPTION_KEY)',
      ])
    }
    finally {
      warn.mockRestore()
    }
  })

  it('sessionId is stable per family and reveals nothing of it', () => {
    expect(sessionId('family-1')).toBe(sessionId('family-1'))
    expect(sessionId('family-1')).not.toBe(sessionId('family-2'))
    // The family id is a storage key: an access token must not carry any of it.
    const familyId = 'q7Hc2Lr9Xw0pT3vN8bYk1mZ5sD4fG6jA'
    expect(sessionId(familyId)).not.toContain(familyId.slice(0, 8))
    expect(sessionId(familyId)).not.toContain(familyId.slice(-8))
    expect(sessionId('family-1')).toMatch(/^[\w-]{32}$/)
  })
})
