import { deriveKey, fingerprint, seal, sha256, unseal } from '../core/crypto'
import { AegisError, log } from '../core/errors'
import { withLock } from '../core/locks'
import type { FamilyRecord, RecordStore } from './session-records'

/**
 * Provider tokens kept with a session (opt-in per provider, `keepTokens`): one record per
 * session, written through the session store's codec (encrypted at rest when encryption is on)
 * and removed with the session. Access tokens find it by their `sid` claim, a hash of the
 * family id, so a token never names a storage key.
 */
export interface ProviderTokenSet {
  provider: string
  accessToken: string
  tokenType?: string
  refreshToken?: string
  scope?: string
  /** When the access token expires (ms); unset when the provider did not say. */
  expiresAt?: number
  /** When the access token was obtained (ms): with `expiresAt`, its lifetime. */
  obtainedAt: number
}

interface ProviderTokenRecord extends ProviderTokenSet {
  v: 2
  familyId: string
}

/** The tokens of a token endpoint response, as kept; undefined without an access token. */
export function fromTokenResponse(provider: string, response: Record<string, unknown>, now: number): ProviderTokenSet | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
  const accessToken = text(response.access_token)
  if (!accessToken) return undefined
  // RFC 6749 says a number; some providers send it as a string ("3599").
  const expiresIn = typeof response.expires_in === 'string' && /^\d{1,9}$/.test(response.expires_in) ? Number(response.expires_in) : response.expires_in
  return {
    provider,
    accessToken,
    tokenType: text(response.token_type),
    refreshToken: text(response.refresh_token),
    scope: text(response.scope),
    expiresAt: typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : undefined,
    obtainedAt: now,
  }
}

/** Trades a refresh token for new tokens at the provider (the OAuth engine's refresh grant). */
export type ProviderRefresh = (current: ProviderTokenSet & { refreshToken: string }) => Promise<ProviderTokenSet>

/** Whether a provider's settings keep its tokens with the session (`keepTokens`, from config or env). */
export function keepsTokens(config: Record<string, unknown> | undefined): boolean {
  return config?.keepTokens === true || config?.keepTokens === 'true'
}

const warnedKeepTokens = new Set<string>()

/**
 * Warns, once per provider, when `keepTokens` cannot work (sessions are off) or keeps tokens
 * unencrypted in production. At start-up for nuxt.config providers; at their first login for
 * providers whose route `config` turns it on (route files load lazily).
 */
export function warnKeepTokens(providers: string[], setup: { sessions: boolean, encrypted: boolean, production: boolean }): void {
  const names = providers.filter(name => !warnedKeepTokens.has(name))
  if (!names.length) return
  for (const name of names) warnedKeepTokens.add(name)
  if (!setup.sessions) {
    log.warn(`providers ${names.join(', ')} have keepTokens on, but tokenRefresh is off: there is no session to keep provider tokens with, and getProviderToken answers 409`)
  }
  else if (setup.production && !setup.encrypted) {
    log.warn(`providers ${names.join(', ')} keep their tokens in session storage unencrypted: turn on tokenRefresh.encryption (NUXT_AEGIS_ENCRYPTION_KEY)`)
  }
}

/** The session id access tokens carry (`sid`): it finds the session's provider tokens, and nothing else. */
export const sessionId = (familyId: string): string => sha256(`nuxt-aegis:sid:${familyId}`).slice(0, 32)

/** A refresh is due in the last quarter of the token's life, and at most 60 s before it ends. */
export function refreshDue(tokens: Pick<ProviderTokenSet, 'expiresAt' | 'obtainedAt'>, now: number): boolean {
  if (tokens.expiresAt === undefined) return false
  const margin = Math.min(60_000, Math.max(0, tokens.expiresAt - tokens.obtainedAt) / 4)
  return tokens.expiresAt - margin <= now
}

/**
 * Between the provider callback and `POST /auth/token` the tokens ride in the CODE's payload,
 * sealed under a key derived from the browser binding: storage holds only the binding's hash,
 * so a CODE store (Redis, say) never holds a usable provider token.
 */
export function sealForHandoff(binding: string, tokens: ProviderTokenSet): string {
  return seal(deriveKey(binding, 'provider-tokens'), JSON.stringify(tokens), 'handoff')
}

export function openFromHandoff(binding: string, sealed: string | undefined): ProviderTokenSet | undefined {
  if (!sealed) return undefined
  const json = unseal(deriveKey(binding, 'provider-tokens'), sealed, 'handoff')
  return json ? JSON.parse(json) as ProviderTokenSet : undefined
}

/**
 * How long a refresh may hold its lock (ms): the token request (10 s provider timeout) and two
 * storage steps, with room to spare. The provider's metadata is fetched before the lock is
 * taken. Should a holder still overrun it, its release cannot free a later holder's lock.
 */
const REFRESH_LOCK_MS = 30_000
/** How long a caller waits for another instance's refresh: its provider call (10 s) and a little more. */
const REFRESH_WAIT_MS = 12_000

const reauth = (why: string) => new AegisError(401, 'provider_reauth_required', why)

export type ProviderTokenStore = ReturnType<typeof createProviderTokenStore>

export function createProviderTokenStore(records: RecordStore) {
  const { keys, read, write, remove, locks, now } = records
  const key = (sid: string) => keys.providerTokens(sid)
  // In one process, callers for the same session share one refresh instead of queueing on the lock.
  const inFlight = new Map<string, Promise<string>>()

  /** The record of a live session and its family, or undefined (removed, expired, or its session ended). */
  async function live(sid: string): Promise<{ record: ProviderTokenRecord, family: FamilyRecord } | undefined> {
    const record = await read<ProviderTokenRecord>(key(sid))
    if (!record) return undefined
    const family = await read<FamilyRecord>(keys.family(record.familyId))
    if (!family || family.expiresAt <= now()) return undefined
    return { record, family }
  }

  /** A due token without a refresh token: used until it expires, then removed (log in again). */
  async function unrefreshable(sid: string, record: ProviderTokenRecord): Promise<string> {
    if (record.expiresAt! > now()) return record.accessToken
    await remove(key(sid))
    throw reauth(`${record.provider} access token of session ${fingerprint(sid)} expired and there is no refresh token`)
  }

  async function refreshLocked(sid: string, provider: string, refresh: ProviderRefresh): Promise<string> {
    return withLock(locks, `provider:${sid}`, async () => {
      // Read again under the lock: another instance may have refreshed since we looked.
      const found = await live(sid)
      if (!found || found.record.provider !== provider) throw reauth(`provider tokens of session ${fingerprint(sid)} are gone`)
      const { record, family } = found
      if (!refreshDue(record, now())) return record.accessToken
      if (!record.refreshToken) return unrefreshable(sid, record)
      let next: ProviderTokenSet
      try {
        next = await refresh({ ...record, refreshToken: record.refreshToken })
      }
      catch (error) {
        if (error instanceof AegisError && error.code === 'provider_reauth_required') {
          // The provider refused the refresh token (expired, revoked): it will never work again.
          await remove(key(sid))
          log.warn(`${provider} refused the refresh token of session ${fingerprint(sid)}; its provider tokens were removed`)
        }
        throw error
      }
      // A provider may keep the refresh token and the scope (RFC 6749 §5.1, §6): then the old ones stay.
      const stored: ProviderTokenRecord = {
        ...next, refreshToken: next.refreshToken ?? record.refreshToken, scope: next.scope ?? record.scope, provider, v: 2, familyId: record.familyId,
      }
      // The provider may have rotated its refresh token already: losing this answer to a storage
      // hiccup would leave a dead one. Try the write twice before giving up.
      await write(key(sid), stored, family.expiresAt).catch(() => write(key(sid), stored, family.expiresAt))
      // A logout that ran during the refresh or the write removed the record before our write landed: remove it again.
      if (!(await read<FamilyRecord>(keys.family(record.familyId)))) {
        await remove(key(sid))
        throw reauth(`session of ${fingerprint(sid)} ended during the provider refresh`)
      }
      return stored.accessToken
    }, {
      holdMs: REFRESH_LOCK_MS,
      waitMs: REFRESH_WAIT_MS,
      // Another instance is still refreshing after all that time: the provider is the slow part.
      busy: () => new AegisError(502, 'provider_unavailable', `refresh of session ${fingerprint(sid)} by another instance did not finish`),
    })
  }

  return {
    /** Keeps a new session's provider tokens until the session ends. */
    async save(family: Pick<FamilyRecord, 'familyId' | 'expiresAt'>, tokens: ProviderTokenSet): Promise<void> {
      const record: ProviderTokenRecord = { ...tokens, v: 2, familyId: family.familyId }
      await write(key(sessionId(family.familyId)), record, family.expiresAt)
    },

    /**
     * A valid access token of `provider` for the session `sid`: the stored one, or a new one
     * from `refresh` when it is about to expire (one refresh at a time per session, across
     * instances on Redis). Undefined when the session keeps no tokens of that provider.
     * `prepare` runs before the lock is taken (fetching the provider's metadata, say).
     * A 401 `provider_reauth_required` when they expired or the provider refused the refresh.
     */
    async access(sid: string, provider: string, refresh: ProviderRefresh, prepare?: () => Promise<void>): Promise<string | undefined> {
      const record = (await live(sid))?.record
      if (!record || record.provider !== provider) return undefined
      if (!refreshDue(record, now())) return record.accessToken
      // Nothing to refresh with: no provider call, no lock.
      if (!record.refreshToken) return unrefreshable(sid, record)
      const running = inFlight.get(sid)
      if (running) return running
      // `prepare` (the provider's metadata) runs before the lock, which then covers only the refresh.
      const started = (async () => {
        await prepare?.()
        return refreshLocked(sid, provider, refresh)
      })().finally(() => inFlight.delete(sid))
      inFlight.set(sid, started)
      return started
    },

    remove: (familyId: string) => remove(key(sessionId(familyId))),
  }
}
