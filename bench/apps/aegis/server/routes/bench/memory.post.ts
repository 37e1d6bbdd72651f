/** Bench only: the server's memory, after a full GC when the process runs with --expose-gc, and the credentials store's size. */
export default defineEventHandler(() => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) {
    gc()
    gc()
  }
  const { rss, heapUsed } = process.memoryUsage()
  // Entries of the credentials store (codes, rate-limit counters) and which driver holds them.
  const { driver } = useStorage().getMount('aegis:credentials')
  const entries = (driver.getInstance?.() as { size?: number } | undefined)?.size ?? -1
  return { rss, heapUsed, gc: Boolean(gc), credentials: { driver: driver.name, entries } }
})
