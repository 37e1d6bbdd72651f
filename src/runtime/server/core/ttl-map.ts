/**
 * A Map whose entries expire, bounded in size. Expired entries are swept in small steps
 * on writes (oldest first, insertion order), so a flood of entries can neither grow memory
 * without bound nor make one write scan everything; `sweepEvery` also frees them when no
 * write comes, so an idle process shrinks back.
 */
export class TtlMap<V> {
  private readonly entries = new Map<string, { value: V, expiresAt: number }>()

  constructor(private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size
  }

  set(key: string, value: V, ttlMs: number): void {
    this.sweep(8)
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) this.sweep(Number.POSITIVE_INFINITY)
    // Still full of live entries: drop the oldest rather than grow.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs })
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

  /** Removes up to `limit` expired entries from the oldest end; stops at the first live one. */
  sweep(limit: number): void {
    const now = this.now()
    let removed = 0
    for (const [key, entry] of this.entries) {
      if (removed >= limit) return
      // Entries share one TTL per map, so insertion order is expiry order; stop at the first live one.
      if (entry.expiresAt > now) return
      this.entries.delete(key)
      removed++
    }
  }
}
