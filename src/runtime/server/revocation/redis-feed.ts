import { log } from '../core/errors'
import type { RevocationEntry } from './list'

/** The part of an ioredis client the feed uses. */
export interface RedisPubSubLike {
  duplicate: () => RedisPubSubLike
  publish: (channel: string, message: string) => Promise<unknown>
  subscribe: (channel: string) => Promise<unknown>
  on: (event: 'message' | 'error', listener: (...args: never[]) => void) => unknown
  quit: () => Promise<unknown>
}

export interface RedisFeed {
  publish: (entry: RevocationEntry) => Promise<void>
  close: () => Promise<void>
}

/**
 * New revocations over Redis pub/sub: every instance learns an entry the moment another one
 * records it. Best effort on top of the store's poll (a message lost while a connection is
 * down is read from the store within `refreshMs`), so a failed publish is only logged.
 */
export function subscribeRevocations(client: RedisPubSubLike, channel: string, onEntries: (entries: RevocationEntry[]) => void): RedisFeed {
  // A connection in subscriber mode can do nothing else: a second one, beside the driver's.
  const subscriber = client.duplicate()
  let warned = false
  subscriber.on('error', () => {
    if (!warned) log.warn('revocation feed (Redis pub/sub) disconnected: relying on the poll until it is back')
    warned = true
  })
  subscriber.on('message', ((from: string, message: string) => {
    if (from !== channel) return
    try {
      const entry = JSON.parse(message) as RevocationEntry
      onEntries([entry])
      warned = false
    }
    catch { /* not ours: ignored */ }
  }) as never)
  subscriber.subscribe(channel).catch(() => log.warn('revocation feed: subscribing failed; relying on the poll'))
  return {
    async publish(entry) {
      try {
        await client.publish(channel, JSON.stringify({ sid: entry.sid, before: entry.before, until: entry.until, v: entry.v }))
      }
      catch {
        log.warn('revocation feed: publish failed; other instances learn it from the poll')
      }
    },
    async close() {
      await subscriber.quit().catch(() => {})
    },
  }
}
