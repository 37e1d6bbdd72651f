/** Sessions with accounts (perSub): one person across linked methods; without it, (provider, sub) stays the identity. */
import { createStorage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/sessions/sessions'
import { identityOf } from '../../src/runtime/server/accounts/resolve'
import { sameAccountProviders } from '../../src/runtime/server/password/account'

const store = (overrides: Partial<SessionStoreOptions> = {}) => createSessionStore({
  storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 10, ...overrides,
})

describe('[ACC-5] sessions per person with accounts', () => {
  it('with accounts, a provider narrows nothing: listing and logout everywhere cover every method of the sub', async () => {
    const sessions = store({ perSub: () => true })
    const github = await sessions.create({ user: { sub: 'u1', provider: 'github' }, claims: {} })
    const password = await sessions.create({ user: { sub: 'u1', provider: 'password' }, claims: {} })
    const other = await sessions.create({ user: { sub: 'u2', provider: 'github' }, claims: {} })
    expect((await sessions.listUser('u1', { provider: 'github' })).map(s => s.provider).sort()).toEqual(['github', 'password'])
    expect(await sessions.revokeUser('u1', { provider: 'password' })).toBe(2)
    expect(await sessions.get(github.token)).toBeUndefined()
    expect(await sessions.get(password.token)).toBeUndefined()
    expect(await sessions.get(other.token)).toBeDefined()
  })

  it('without accounts, two people sharing a subject on two providers stay apart', async () => {
    const sessions = store()
    const github = await sessions.create({ user: { sub: '12345', provider: 'github' }, claims: {} })
    const google = await sessions.create({ user: { sub: '12345', provider: 'google' }, claims: {} })
    expect(await sessions.revokeUser('12345', { provider: 'github' })).toBe(1)
    expect(await sessions.get(github.token)).toBeUndefined()
    expect(await sessions.get(google.token)).toBeDefined()
  })

  it('a claims update that names a provider reaches every session of the person, as listing and revoking do', async () => {
    const sessions = store({ perSub: () => true })
    const github = await sessions.create({ user: { sub: 'u1', provider: 'github' }, claims: { role: 'admin' } })
    const password = await sessions.create({ user: { sub: 'u1', provider: 'password' }, claims: { role: 'admin' } })
    const other = await sessions.create({ user: { sub: 'u2', provider: 'github' }, claims: { role: 'admin' } })
    expect(await sessions.updateClaims({ sub: 'u1', provider: 'password', change: () => ({ role: 'member' }), pin: true })).toHaveLength(2)
    for (const token of [github.token, password.token]) expect((await sessions.get(token))?.claims).toEqual({ role: 'member' })
    expect((await sessions.get(other.token))?.claims).toEqual({ role: 'admin' })
  })

  it('without accounts, password and email-code sessions of one id are one person only when the app says both read the same accounts', async () => {
    expect(sameAccountProviders('password', false)).toEqual(['password'])
    expect(sameAccountProviders('email', false)).toEqual(['email'])
    expect(sameAccountProviders('password', true).sort()).toEqual(['email', 'password'])
    expect(sameAccountProviders('github', true)).toEqual(['github'])
    // Staff #7 (password) and customer #7 (email, another table): kept apart by default.
    const apart = store({ samePerson: provider => sameAccountProviders(provider, false) })
    const staff = await apart.create({ user: { sub: '7', provider: 'password' }, claims: { role: 'staff' } })
    const customer = await apart.create({ user: { sub: '7', provider: 'email' }, claims: { role: 'customer' } })
    expect((await apart.listUser('7', { provider: 'password' })).map(s => s.provider)).toEqual(['password'])
    expect(await apart.updateClaims({ sub: '7', provider: 'password', change: () => ({ role: 'none' }), pin: true })).toHaveLength(1)
    expect((await apart.get(customer.token))?.claims).toEqual({ role: 'customer' })
    expect(await apart.revokeUser('7', { provider: 'password' })).toBe(1)
    expect(await apart.get(staff.token)).toBeUndefined()
    expect(await apart.get(customer.token)).toBeDefined()
    // One table for both: one person.
    const together = store({ samePerson: provider => sameAccountProviders(provider, true) })
    await together.create({ user: { sub: '8', provider: 'password' }, claims: {} })
    await together.create({ user: { sub: '8', provider: 'email' }, claims: {} })
    expect(await together.updateClaims({ sub: '8', provider: 'email', change: () => ({ role: 'x' }), pin: true })).toHaveLength(2)
    expect(await together.revokeUser('8', { provider: 'password' })).toBe(2)
  })

  it('the identity is what the provider proved: its subject, and its email verified only when it said so', () => {
    const proven = { sub: 'gh-1', email: ' Ana@Example.com ', email_verified: true }
    expect(identityOf('github', proven, { ...proven, sub: 'renamed', email_verified: true, provider: 'github' })).toMatchObject({ provider: 'github', subject: 'gh-1', email: 'ana@example.com', emailVerified: true })
    expect(identityOf('github', { sub: 'gh-2', email: 'b@example.com' }, { sub: 'gh-2', email_verified: true, provider: 'github' }).emailVerified).toBe(false)
    expect(identityOf('github', { sub: 'gh-3', email_verified: true }, { sub: 'gh-3', provider: 'github' }).emailVerified).toBe(false)
  })
})
