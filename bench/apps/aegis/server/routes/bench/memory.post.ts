/** Bench only: the server's memory, after a full GC when the process runs with --expose-gc. */
export default defineEventHandler(() => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) {
    gc()
    gc()
  }
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed, gc: Boolean(gc) }
})
