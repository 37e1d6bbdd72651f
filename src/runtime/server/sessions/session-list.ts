import { fingerprint } from '../core/crypto'
import { log } from '../core/errors'
import { sessionId } from './provider-tokens'
import type { FamilyRecord, RecordStore, SessionInfo } from './session-records'
import type { createSessionIndexes } from './session-index'

type Indexes = Pick<ReturnType<typeof createSessionIndexes>, 'userFamilies'>

/** What a user sees of one session: fingerprints and times, never a token; `current` by the `sid` of the asking token. */
export function sessionInfo(family: FamilyRecord, currentSid?: string): SessionInfo {
  return {
    id: fingerprint(family.familyId),
    provider: family.user.provider,
    createdAt: family.createdAt,
    // Families from before `refreshedAt` show their login time until their next refresh.
    refreshedAt: typeof family.refreshedAt === 'number' ? family.refreshedAt : family.createdAt,
    expiresAt: family.expiresAt,
    device: typeof family.device === 'string' ? family.device : null,
    current: currentSid !== undefined && sessionId(family.familyId) === currentSid,
  }
}

/**
 * A user's live sessions, found through the per-identity index only (never a scan of storage):
 * whatever id a caller names, only families filed under that user can match.
 */
export function createSessionList(records: RecordStore, indexes: Indexes) {
  const { keys, read, now } = records

  async function liveFamilies(sub: string, only?: string | string[]): Promise<FamilyRecord[]> {
    const provider = only === undefined ? undefined : [only].flat()
    const live: FamilyRecord[] = []
    for (const familyId of (await indexes.userFamilies(sub, provider)).families.keys()) {
      const family = await read<FamilyRecord>(keys.family(familyId))
      if (!family || family.expiresAt <= now()) continue
      // The record itself must agree with the index it was found through.
      if (family.user.sub !== sub || (provider !== undefined && !provider.includes(family.user.provider))) continue
      live.push(family)
    }
    return live
  }

  return {
    liveFamilies,
    async list(sub: string, { provider, current }: { provider?: string[], current?: string } = {}): Promise<SessionInfo[]> {
      return (await liveFamilies(sub, provider)).map(family => sessionInfo(family, current)).sort((a, b) => b.createdAt - a.createdAt)
    },
    /** The user's live family with the listed `id` (a fingerprint), or with the access-token `sid`. */
    async find(sub: string, match: { id?: string, sid?: string }, provider?: string[]): Promise<FamilyRecord | undefined> {
      if (typeof match.id !== 'string' && typeof match.sid !== 'string') return undefined
      return (await liveFamilies(sub, provider)).find(family =>
        match.id !== undefined ? fingerprint(family.familyId) === match.id : sessionId(family.familyId) === match.sid)
    },
  }
}

/**
 * Notes a refresh on the family (time, device label) for the session list. Only over the version
 * read before (`version`, null to skip), so it never brings back a family revoked meanwhile; best
 * effort: a refresh never fails for it.
 */
export async function noteRefresh(records: RecordStore, family: FamilyRecord, version: string | null, device: string | undefined): Promise<void> {
  if (version === null) return
  const seen: FamilyRecord = { ...family, refreshedAt: records.now(), ...(device ? { device } : {}) }
  try {
    await records.swap(records.keys.family(family.familyId), version, seen, family.expiresAt)
  }
  catch {
    log.warn(`last refresh of family ${fingerprint(family.familyId)} not noted (storage); the session is unaffected`)
  }
}
