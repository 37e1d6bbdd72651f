/** Polls until `check` holds or the deadline passes; returns how long it took (ms), or throws naming `what`. */
export async function within(ms: number, check: () => Promise<boolean>, what: string): Promise<number> {
  const start = Date.now()
  for (;;) {
    if (await check()) return Date.now() - start
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
