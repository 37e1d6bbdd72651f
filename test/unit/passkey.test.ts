import { describe, expect, it } from 'vitest'
import { createStorage } from 'unstorage'
import memoryDriver from '../../src/runtime/server/core/memory-driver'
import { createMemoryLocks } from '../../src/runtime/server/core/locks'
import { createChallengeStore } from '../../src/runtime/server/passkeys/challenges'
import { passkeyAmr } from '../../src/runtime/server/passkeys/amr'
import { passkeyConfigProblems, relyingPartyOf } from '../../src/runtime/server/passkeys/config'
import { passkeyDefaults } from '../../src/setup/passkey-options'
import { randomToken } from '../../src/runtime/server/core/crypto'

function store(now = () => Date.now()) {
  return createChallengeStore(createStorage({ driver: memoryDriver({}) }), { ttlSeconds: 60, locks: createMemoryLocks(now), now })
}

describe('passkey challenges', () => {
  it('are random, taken once, and only with the binding they were issued to', async () => {
    const challenges = store()
    const binding = randomToken(32)
    const a = await challenges.issue(binding, 'login')
    const b = await challenges.issue(binding, 'register', 'user-1')
    expect(a).toMatch(/^[\w-]{43}$/)
    expect(a).not.toBe(b)
    expect(await challenges.take(randomToken(32), a)).toBeUndefined()
    expect(await challenges.take(binding, a)).toMatchObject({ purpose: 'login' })
    expect(await challenges.take(binding, a)).toBeUndefined()
    expect(await challenges.take(binding, b)).toMatchObject({ purpose: 'register', userId: 'user-1' })
  })

  it('of parallel takes exactly one gets the record', async () => {
    const challenges = store()
    const binding = randomToken(32)
    const challenge = await challenges.issue(binding, 'login')
    const results = await Promise.all(Array.from({ length: 5 }, () => challenges.take(binding, challenge)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('expire, and refuse malformed values without a lookup', async () => {
    let t = 1_000_000
    const challenges = store(() => t)
    const binding = randomToken(32)
    const challenge = await challenges.issue(binding, 'login')
    t += 61_000
    expect(await challenges.take(binding, challenge)).toBeUndefined()
    expect(await challenges.take('', challenge)).toBeUndefined()
    expect(await challenges.take(binding, 'short')).toBeUndefined()
  })
})

describe('passkey amr (RFC 8176)', () => {
  it('names the key kind, user presence and, with user verification, mfa', () => {
    expect(passkeyAmr({ userVerified: true, credentialDeviceType: 'singleDevice' })).toEqual(['hwk', 'user', 'mfa'])
    expect(passkeyAmr({ userVerified: false, credentialDeviceType: 'singleDevice' })).toEqual(['hwk', 'user'])
    expect(passkeyAmr({ userVerified: true, credentialDeviceType: 'multiDevice' })).toEqual(['swk', 'user', 'mfa'])
  })
})

describe('passkey settings', () => {
  it('the relying party is siteUrl\'s host and origin', () => {
    expect(relyingPartyOf('https://app.example.com')).toEqual({ rpID: 'app.example.com', origin: 'https://app.example.com' })
    expect(relyingPartyOf('')).toBeUndefined()
  })

  it('the defaults pass; production without siteUrl, IP addresses and bad values are refused by name', () => {
    expect(passkeyConfigProblems(passkeyDefaults, { production: true, siteOrigin: 'https://example.com' })).toEqual([])
    expect(passkeyConfigProblems(passkeyDefaults, { production: false, siteOrigin: '' })).toEqual([])
    expect(passkeyConfigProblems(passkeyDefaults, { production: true, siteOrigin: '' }).join('\n')).toContain('NUXT_PUBLIC_SITE_URL')
    expect(passkeyConfigProblems(passkeyDefaults, { production: true, siteOrigin: 'http://10.0.0.1' }).join('\n')).toContain('IP address')
    const bad = passkeyConfigProblems({ ...passkeyDefaults, userVerification: 'maybe', challengeTtl: 0, rpName: '', rateLimit: { login: { perIp: { limit: 0, window: 60 } } } }, { production: false, siteOrigin: '' }).join('\n')
    for (const name of ['NUXT_AEGIS_PASSKEY_USER_VERIFICATION', 'NUXT_AEGIS_PASSKEY_CHALLENGE_TTL', 'NUXT_AEGIS_PASSKEY_RP_NAME', 'NUXT_AEGIS_PASSKEY_RATE_LIMIT_LOGIN_PER_IP_LIMIT']) expect(bad).toContain(name)
  })
})
