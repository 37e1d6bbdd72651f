/**
 * A Map whose entries expire, bounded in size. Expired entries are swept in small steps
 * on writes (oldest first, insertion order), so a flood of entries can neither grow memory
 * without bound nor make one write scan everything; `sweepEvery` also frees them when no
 * write comes, so an idle process shrinks back. At the cap, expired entries go first, then
 * the oldest live ones.
 *
 * By default every entry of a map has the same TTL, so insertion order is expiry order and a
 * sweep stops at the first live entry. With `mixedTtls` (a storage driver, whose callers pass
 * their own TTLs) sweeps look past live entries, and a lower bound of the earliest expiry
 * tells whether a full sweep at the cap can free anything, so a flood of live entries costs
 * no scan per write.
 */
export class TtlMap<V> {
  private readonly entries = new Map<string, { value: V, expiresAt: number }>()
  private readonly mixedTtls: boolean
  /** No entry expires before this (mixed TTLs): exact after a full sweep, lowered by writes. */
  private earliest = Number.POSITIVE_INFINITY

  /** `maxEntries`: `Infinity` for no cap. A `ttlMs` of `Infinity` never expires. */
  constructor(private readonly maxEntries: number, private readonly now: () => number = Date.now, options: { mixedTtls?: boolean } = {}) {
    this.mixedTtls = options.mixedTtls ?? false
  }

  get size(): number {
    return this.entries.size
  }

  set(key: string, value: V, ttlMs: number): void {
    this.sweep(8)
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries && (!this.mixedTtls || this.earliest <= this.now())) this.sweep(Number.POSITIVE_INFINITY)
    // Still full of live entries: drop the oldest rather than grow.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    const expiresAt = this.now() + ttlMs
    if (expiresAt < this.earliest) this.earliest = expiresAt
    this.entries.set(key, { value, expiresAt })
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  /** Keys of the live entries, oldest write first. */
  keys(): string[] {
    const now = this.now()
    return [...this.entries].filter(([, entry]) => entry.expiresAt > now).map(([key]) => key)
  }

  clear(): void {
    this.entries.clear()
    this.earliest = Number.POSITIVE_INFINITY
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Reads and removes in one synchronous step: two callers can never both get the value. */
  take(key: string): V | undefined {
    const value = this.get(key)
    if (value !== undefined) this.entries.delete(key)
    return value
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  /**
   * Sweeps all expired entries every `intervalMs` as well. The timer never keeps the process
   * alive and stops by itself once the map is garbage.
   */
  sweepEvery(intervalMs: number): this {
    const ref = new WeakRef(this)
    const timer = setInterval(() => {
      const map = ref.deref()
      if (map) map.sweep(Number.POSITIVE_INFINITY)
      else clearInterval(timer)
    }, intervalMs)
    timer.unref?.()
    return this
  }

  /**
   * Looks at up to `limit` entries from the oldest end and removes the expired ones; with one
   * TTL per map it stops at the first live entry (all later ones are younger).
   */
  sweep(limit: number): void {
    const now = this.now()
    let seen = 0
    let earliest = Number.POSITIVE_INFINITY
    for (const [key, entry] of this.entries) {
      if (seen++ >= limit) return
      if (entry.expiresAt <= now) {
        this.entries.delete(key)
        continue
      }
      if (!this.mixedTtls) return
      if (entry.expiresAt < earliest) earliest = entry.expiresAt
    }
    // A full pass: the bound is exact again.
    if (this.mixedTtls) this.earliest = earliest
  }
}
