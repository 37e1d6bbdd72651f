/** What the expiry timers need of a crossws peer (kept small so it is unit-tested without Nitro). */
export interface ClosablePeer {
  readonly id: string
  close: (code?: number, reason?: string) => void
}

/** The close code a client reads as "get a fresh token and reconnect". */
export const TOKEN_EXPIRED_CLOSE_CODE = 4401

/** setTimeout takes at most 2^31 - 1 ms (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1

interface Tracked<U> { peer: ClosablePeer, user: U, timer?: ReturnType<typeof setTimeout> }

/**
 * The authenticated peers of this process, each closed by a server-side timer at its token's
 * `exp`: a silent subscriber must not keep receiving published messages on a dead token.
 * `closeWhere` is the one place that ends live sockets, for revocation to call later.
 */
export function createPeerRegistry<U extends { exp?: unknown }>(now: () => number = Date.now) {
  const peers = new Map<string, Tracked<U>>()

  function close(id: string, reason: string): void {
    const entry = peers.get(id)
    if (!entry) return
    clearTimeout(entry.timer)
    peers.delete(id)
    entry.peer.close(TOKEN_EXPIRED_CLOSE_CODE, reason)
  }

  function schedule(entry: Tracked<U>, expiresAt: number): void {
    const delay = expiresAt - now()
    if (delay <= 0) return close(entry.peer.id, 'token expired')
    entry.timer = setTimeout(() => schedule(entry, expiresAt), Math.min(delay, MAX_TIMER_MS))
    // An open socket keeps the process alive by itself; the timer must not delay a shutdown.
    entry.timer.unref?.()
  }

  return {
    /**
     * Starts watching a peer that just opened (one without a numeric `exp` is only listed).
     * False when its token had already expired: the peer was closed at once.
     */
    track(peer: ClosablePeer, user: U): boolean {
      const entry: Tracked<U> = { peer, user }
      peers.set(peer.id, entry)
      if (typeof user.exp === 'number') schedule(entry, user.exp * 1000)
      return peers.has(peer.id)
    },
    /** Forgets a peer (closed or errored) and clears its timer. */
    untrack(peer: ClosablePeer): void {
      clearTimeout(peers.get(peer.id)?.timer)
      peers.delete(peer.id)
    },
    /** Closes (4401) every tracked peer whose user matches, e.g. of a revoked session; returns how many. */
    closeWhere(match: (user: U) => boolean, reason = 'session ended'): number {
      const ids = [...peers.values()].filter(entry => match(entry.user)).map(entry => entry.peer.id)
      for (const id of ids) close(id, reason)
      return ids.length
    },
    get size(): number {
      return peers.size
    },
  }
}
