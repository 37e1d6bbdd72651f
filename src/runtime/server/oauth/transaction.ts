import { deriveKey, fingerprint, randomToken, safeEqual, seal, unseal } from '../core/crypto'

/** One login attempt, bound to the browser by a sealed cookie. */
export interface Transaction {
  state: string
  verifier: string
  nonce: string
  provider: string
  redirectTo?: string
  /** Set when the login links a method to the logged-in user who started it (accounts). */
  link?: { sub: string, sid: string }
  /** Epoch milliseconds. */
  expiresAt: number
}

export const TRANSACTION_TTL_SECONDS = 600
export const TRANSACTION_COOKIE_PREFIX = 'nuxt-aegis-tx-'

/** Each transaction has its own cookie (named by a fingerprint of its state): parallel logins never collide. */
export function transactionCookieName(state: string): string {
  return `${TRANSACTION_COOKIE_PREFIX}${fingerprint(state)}`
}

export function createTransaction(provider: string, redirectTo: string | undefined, now = Date.now()): Transaction {
  return {
    state: randomToken(32),
    verifier: randomToken(32),
    nonce: randomToken(32),
    provider,
    redirectTo,
    expiresAt: now + TRANSACTION_TTL_SECONDS * 1000,
  }
}

export function createTransactionSealer(secret: string) {
  const key = deriveKey(secret, 'transaction')
  return {
    seal: (tx: Transaction) => seal(key, JSON.stringify(tx), transactionCookieName(tx.state)),
    /**
     * Opens the cookie of the callback's `state` and checks it belongs to this provider and
     * has not expired; undefined for anything else.
     */
    open(sealed: string | undefined, state: string, provider: string, now = Date.now()): Transaction | undefined {
      if (!sealed) return undefined
      const json = unseal(key, sealed, transactionCookieName(state))
      if (!json) return undefined
      let tx: Transaction
      try {
        tx = JSON.parse(json) as Transaction
      }
      catch {
        return undefined
      }
      if (typeof tx.state !== 'string' || !safeEqual(tx.state, state)) return undefined
      if (tx.provider !== provider || !(tx.expiresAt > now)) return undefined
      return tx
    },
  }
}
