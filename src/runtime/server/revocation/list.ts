/**
 * The revocation list as one process holds it: a map from session id (`sid`) to the claims
 * generation below which its access tokens are refused (every one, for a session that ended), checked synchronously on the request path (no
 * I/O, no promise), and kept fresh in the background by a loader (the session storage on the
 * app's instances, the app's revocation feed in `nuxt-aegis/verify`). Pure: no Nitro, no storage.
 */

/**
 * A session that ended (`before` = `ENDED`: all its tokens are refused) or whose claims changed
 * (`before` = the new claims generation: its tokens with an older `cgen`, or none, are refused),
 * until `until` (NumericDate seconds). Never compared with a token's `iat`: a clock says nothing
 * about which claims a token was signed with, nor whether it was signed before the session ended.
 */
export interface RevocationEntry {
  sid: string
  /** Tokens of this `sid` whose claims generation (`cgen`) is below this are refused. */
  before: number
  /** When the entry may be forgotten: no token it refuses can be valid after it (seconds). */
  until: number
  /** The version it was recorded under (ms, increasing); 0 for an entry only this process knows. */
  v: number
}

/** `before` of a session that ended: above every claims generation, so every token of it is refused. */
export const ENDED = Number.MAX_SAFE_INTEGER

/**
 * The list key of one impersonation token (its `jti`): stopping an impersonation ends that token
 * only, not the actor's session whose `sid` it carries. Session ids have no colon.
 */
export const impersonationKey = (jti: string) => `jti:${jti}`

/** The one rule of every check, here and in nuxt-aegis/verify: the token's session, and an impersonation token's own entry. */
export function refusesToken(list: Pick<RevocationList, 'refuses'>, claims: { sid?: unknown, cgen?: unknown, act?: unknown, jti?: unknown }): boolean {
  if (list.refuses(claims.sid, claims.cgen)) return true
  return claims.act !== undefined && typeof claims.jti === 'string' && list.refuses(impersonationKey(claims.jti), undefined)
}

/** What a load returns: entries recorded after the cursor, and the cursor to ask from next time. */
export interface RevocationBatch<Cursor> {
  cursor: Cursor
  /** Every entry up to this version is known now (the newest entries may be later than it). */
  version: number
  entries: RevocationEntry[]
}

/** When the list cannot be refreshed for `staleAfter`: keep accepting tokens, or refuse every one. */
export type OnStale = 'accept' | 'refuse'

export interface RevocationListOptions<Cursor> {
  /** Loads what was recorded after `cursor` (undefined: everything still live). Throws when it cannot. */
  load: (cursor: Cursor | undefined) => Promise<RevocationBatch<Cursor>>
  /** How often to load (ms). */
  refreshMs: number
  /** After this long (ms) without a successful load the list is stale. */
  staleAfterMs: number
  onStale: OnStale
  /** Says so when loads start and stop failing (once each, not per attempt). */
  log?: { warn: (message: string) => void, error: (message: string) => void }
  now?: () => number
}

export interface RevocationList {
  /** True when a token of `sid` with claims generation `cgen` must be refused (revoked, or the list is stale under `onStale: 'refuse'`). Synchronous. */
  refuses: (sid: unknown, cgen: unknown) => boolean
  /** Adds entries (from a load, a pub/sub message or this process); an existing entry is widened, never narrowed. */
  merge: (entries: readonly RevocationEntry[]) => void
  /** Entries recorded after version `v` (0: all live ones that have a version). */
  since: (v: number) => RevocationEntry[]
  /** The highest version of which every entry is known (the last complete load). */
  readonly version: number
  /** How many sessions are in the list. */
  readonly size: number
  /** True while loads have failed for longer than `staleAfterMs`. */
  readonly stale: boolean
  /** Loads once now; resolves when done, never rejects (a failure counts towards staleness). */
  refresh: () => Promise<void>
  /** Loads now and then every `refreshMs` until `stop`. */
  start: () => Promise<void>
  stop: () => void
}

const PRUNE_EVERY_MS = 10_000

export function createRevocationList<Cursor>(options: RevocationListOptions<Cursor>): RevocationList {
  const now = options.now ?? Date.now
  const entries = new Map<string, RevocationEntry>()
  let cursor: Cursor | undefined
  let version = 0
  // Never loaded counts as stale from the first failure: a fresh instance that cannot read the
  // list knows none of the revocations of the last token lifetime.
  let lastSuccess = Number.NEGATIVE_INFINITY
  let failing = false
  let staleNow = false
  // Checked by `refuses` with one boolean read: set by the refresher, never per request.
  let refuseAll = false
  let timer: ReturnType<typeof setInterval> | undefined
  let running: Promise<void> | undefined
  let lastPrune = now()

  function merge(batch: readonly RevocationEntry[]) {
    const nowSec = now() / 1000
    for (const entry of batch) {
      if (!isEntry(entry) || entry.until <= nowSec) continue
      const known = entries.get(entry.sid)
      if (!known) {
        entries.set(entry.sid, { sid: entry.sid, before: entry.before, until: entry.until, v: entry.v })
        continue
      }
      // Several ends of one session (a claims update, then a logout): the widest one holds.
      known.before = Math.max(known.before, entry.before)
      known.until = Math.max(known.until, entry.until)
      if (entry.v > known.v) known.v = entry.v
    }
  }

  function prune() {
    const nowSec = now() / 1000
    for (const [sid, entry] of entries) if (entry.until <= nowSec) entries.delete(sid)
    lastPrune = now()
  }

  function noteFailure() {
    if (!failing) {
      failing = true
      options.log?.error('revocation list could not be refreshed: keeping the last known list (retrying in the background)')
    }
    if (!staleNow && now() - lastSuccess >= options.staleAfterMs) {
      staleNow = true
      refuseAll = options.onStale === 'refuse'
      options.log?.error(`revocation list ${lastSuccess === Number.NEGATIVE_INFINITY ? 'never loaded' : `stale for ${Math.round((now() - lastSuccess) / 1000)} s`}: ${refuseAll ? 'refusing every access token until it is refreshed' : 'still accepting access tokens not known to be revoked'}`)
    }
  }

  async function loadOnce() {
    try {
      const batch = await options.load(cursor)
      merge(batch.entries)
      cursor = batch.cursor
      version = batch.version
      lastSuccess = now()
      if (failing || staleNow) options.log?.warn('revocation list refreshed again')
      failing = false
      staleNow = false
      refuseAll = false
    }
    catch {
      noteFailure()
    }
    if (now() - lastPrune >= PRUNE_EVERY_MS) prune()
  }

  function refresh(): Promise<void> {
    // One load at a time: a slow store never stacks up loads.
    running ??= loadOnce().finally(() => {
      running = undefined
    })
    return running
  }

  return {
    refuses(sid, cgen) {
      if (refuseAll) return true
      if (entries.size === 0 || typeof sid !== 'string') return false
      const entry = entries.get(sid)
      return entry !== undefined && !(typeof cgen === 'number' && cgen >= entry.before)
    },
    merge,
    since(v) {
      const out: RevocationEntry[] = []
      for (const entry of entries.values()) if (entry.v > v) out.push({ ...entry })
      return out
    },
    get version() {
      return version
    },
    get size() {
      return entries.size
    },
    get stale() {
      return staleNow
    },
    refresh,
    async start() {
      if (!timer) {
        timer = setInterval(() => void refresh(), options.refreshMs)
        timer.unref?.()
      }
      await refresh()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}

function isEntry(value: unknown): value is RevocationEntry {
  const entry = value as RevocationEntry | null
  return typeof entry === 'object' && entry !== null && typeof entry.sid === 'string' && entry.sid.length > 0 && entry.sid.length <= 128
    && Number.isFinite(entry.before) && Number.isFinite(entry.until) && Number.isFinite(entry.v)
}
