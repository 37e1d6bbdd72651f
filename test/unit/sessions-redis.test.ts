/**
 * Rotation on a real Redis (AEGIS_REDIS_URL), wired as the module wires it: the redis driver
 * mounted at `aegis:refresh`, locks and compare-and-set found from that mount.
 */
import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { createStorage, prefixStorage } from 'unstorage'
import redisDriver from 'unstorage/drivers/redis'
import { afterAll, describe, expect, it } from 'vitest'
import { compareAndSetForMount } from '../../src/runtime/server/core/compare-and-set'
import { locksForMount } from '../../src/runtime/server/core/locks'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { AegisUser } from '../../src/runtime/types'

const redisUrl = process.env.AEGIS_REDIS_URL
const user: AegisUser = { sub: 'alice', provider: 'mock' }

describe.skipIf(!redisUrl)('[SES-13] [SES-8] rotation on Redis (skipped without AEGIS_REDIS_URL)', () => {
  const base = `aegis-unit-${randomBytes(6).toString('hex')}`
  const client = redisUrl ? new Redis(redisUrl) : undefined
  const roots: ReturnType<typeof createStorage>[] = []

  /** One instance: its own driver connection, as a second server process would have. */
  function instance() {
    const root = createStorage()
    root.mount('aegis:refresh', redisDriver({ url: redisUrl, base }))
    roots.push(root)
    const storage = prefixStorage(root, 'aegis:refresh')
    return createSessionStore({
      storage, prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 10,
      locks: locksForMount(root, 'aegis:refresh', 'refresh:'),
      compareAndSet: compareAndSetForMount(root, 'aegis:refresh', storage),
    })
  }

  afterAll(async () => {
    const keys = await client!.keys(`${base}:*`)
    if (keys.length) await client!.del(...keys)
    client!.disconnect()
    await Promise.all(roots.map(root => root.dispose()))
  })

  it('a holder whose rotation lock expired (slow customClaims) cannot fork the family', async () => {
    const a = instance()
    const b = instance()
    const first = await a.create({ user, claims: {} })
    const id = first.token.split('.')[0]!
    let entered!: () => void
    const inClaims = new Promise<void>((resolve) => {
      entered = resolve
    })
    let finish!: () => void
    const slow = new Promise<void>((resolve) => {
      finish = resolve
    })
    const onA = a.rotate(first.token, async (session) => {
      entered()
      await slow
      return session.claims
    })
    await inClaims
    // The lease runs out while A's claims function is still busy (what PX does after 5 s).
    expect(await client!.del(`${base}:refresh:lock:rotate:${id}`)).toBe(1)
    const onB = await b.rotate(first.token)
    finish()
    expect((await onA).token).toBe(onB.token)
    // One live token in the family: B's successor; A's never reached storage for good.
    const tokenKeys = (await client!.keys(`${base}:refresh:*`)).filter(key => /:refresh:[\w-]{22}$/.test(key))
    const records = await Promise.all(tokenKeys.map(async key => JSON.parse((await client!.get(key))!) as { rotatedAt?: number }))
    expect(records.filter(record => !record.rotatedAt)).toHaveLength(1)
    expect(await b.get(onB.token)).toBeDefined()
  })
})
