import { describe, expect, it } from 'vitest'
import { TRANSACTION_TTL_SECONDS, createTransaction, createTransactionSealer, transactionCookieName } from '../../src/runtime/server/oauth/transaction'

const SECRET = 'transaction-test-secret-0123456789abcdef'
const NOW = 1_700_000_000_000

describe('[LOGIN-1] createTransaction', () => {
  it('has 256-bit state, verifier and nonce, the provider, redirectTo and a 10-minute expiry', () => {
    const tx = createTransaction('mock', '/next', NOW)
    expect(tx.state).toMatch(/^[\w-]{43}$/)
    expect(tx.verifier).toMatch(/^[\w-]{43}$/)
    expect(tx.nonce).toMatch(/^[\w-]{43}$/)
    expect(new Set([tx.state, tx.verifier, tx.nonce]).size).toBe(3)
    expect(tx).toMatchObject({ provider: 'mock', redirectTo: '/next', expiresAt: NOW + 600_000 })
    expect(TRANSACTION_TTL_SECONDS).toBeLessThanOrEqual(600)
  })

  it('two logins get different states and cookie names (parallel tabs do not collide)', () => {
    const a = createTransaction('mock', undefined, NOW)
    const b = createTransaction('mock', undefined, NOW)
    expect(a.state).not.toBe(b.state)
    expect(transactionCookieName(a.state)).not.toBe(transactionCookieName(b.state))
    expect(transactionCookieName(a.state)).toBe(transactionCookieName(a.state))
  })

  it('the cookie name does not reveal the state', () => {
    const { state } = createTransaction('mock', undefined, NOW)
    const name = transactionCookieName(state)
    expect(name).toMatch(/^nuxt-aegis-tx-[\w-]{12}$/)
    expect(name).not.toContain(state.slice(0, 8))
  })
})

describe('[LOGIN-1] [LOGIN-2] transaction sealer', () => {
  const sealer = createTransactionSealer(SECRET)

  it('seals and opens a transaction', () => {
    const tx = createTransaction('mock', '/next', NOW)
    const sealed = sealer.seal(tx)
    expect(sealed).not.toContain(tx.verifier)
    expect(sealed).not.toContain(tx.state)
    expect(sealer.open(sealed, tx.state, 'mock', NOW + 1000)).toEqual(tx)
  })

  it('refuses a missing cookie', () => {
    const tx = createTransaction('mock', undefined, NOW)
    expect(sealer.open(undefined, tx.state, 'mock', NOW)).toBeUndefined()
    expect(sealer.open('', tx.state, 'mock', NOW)).toBeUndefined()
  })

  it('refuses a wrong state', () => {
    const tx = createTransaction('mock', undefined, NOW)
    const sealed = sealer.seal(tx)
    expect(sealer.open(sealed, createTransaction('mock', undefined, NOW).state, 'mock', NOW)).toBeUndefined()
    expect(sealer.open(sealed, '', 'mock', NOW)).toBeUndefined()
  })

  it('refuses another provider (mix-up)', () => {
    const tx = createTransaction('mock', undefined, NOW)
    expect(sealer.open(sealer.seal(tx), tx.state, 'github', NOW)).toBeUndefined()
  })

  it('refuses an expired transaction', () => {
    const tx = createTransaction('mock', undefined, NOW)
    const sealed = sealer.seal(tx)
    expect(sealer.open(sealed, tx.state, 'mock', tx.expiresAt - 1)).toBeDefined()
    expect(sealer.open(sealed, tx.state, 'mock', tx.expiresAt)).toBeUndefined()
    expect(sealer.open(sealed, tx.state, 'mock', tx.expiresAt + 1)).toBeUndefined()
  })

  it('refuses a tampered cookie', () => {
    const tx = createTransaction('mock', undefined, NOW)
    const sealed = sealer.seal(tx)
    const parts = sealed.split('.')
    const data = Buffer.from(parts[2]!, 'base64url')
    data[5] = data[5]! ^ 0x20
    parts[2] = data.toString('base64url')
    expect(sealer.open(parts.join('.'), tx.state, 'mock', NOW)).toBeUndefined()
    expect(sealer.open(`${sealed}x`, tx.state, 'mock', NOW)).toBeUndefined()
    expect(sealer.open('v1.a.b.c', tx.state, 'mock', NOW)).toBeUndefined()
  })

  it('refuses a cookie sealed for another state, even when the callback presents that state', () => {
    // An attacker swaps in their own valid cookie but the callback carries the victim's state.
    const mine = createTransaction('mock', undefined, NOW)
    const theirs = createTransaction('mock', undefined, NOW)
    expect(sealer.open(sealer.seal(theirs), mine.state, 'mock', NOW)).toBeUndefined()
  })

  it('refuses a cookie sealed under another secret', () => {
    const tx = createTransaction('mock', undefined, NOW)
    const other = createTransactionSealer('another-transaction-secret-0123456789ab')
    expect(sealer.open(other.seal(tx), tx.state, 'mock', NOW)).toBeUndefined()
  })

  it('two seals of the same transaction differ (random IV)', () => {
    const tx = createTransaction('mock', undefined, NOW)
    expect(sealer.seal(tx)).not.toBe(sealer.seal(tx))
  })
})
