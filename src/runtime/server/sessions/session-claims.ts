import type { ClaimValue } from '../../types'
import { fingerprint } from '../core/crypto'
import { AegisError } from '../core/errors'
import type { FamilyRecord, RecordStore, Session } from './session-records'
import type { createSessionList } from './session-list'

/** New claims from the current ones: the session's next claims (filtered by the caller). */
export type ClaimsChange = (claims: Record<string, ClaimValue>, session: Session) => Record<string, ClaimValue> | Promise<Record<string, ClaimValue>>

export interface ClaimsUpdate {
  /** Whose live sessions: a login identity, or a sub with every provider it used. */
  sub: string
  provider?: string
  /** Only this family (a refresh with `updateClaims`). */
  familyId?: string
  change: ClaimsChange
  /** Refreshes keep these claims (the server set them) instead of running the claims function again. */
  pin: boolean
}

const MAX_TRIES = 5

/**
 * Changes the claims stored on live sessions: each family record is rewritten by compare-and-set
 * (a refresh noting its time, or a revocation, in between is never undone), `claimsAt` set to the
 * next second, and `onChange` told, so the revocation list refuses the tokens issued before.
 */
export function createClaimsUpdater(records: RecordStore, list: ReturnType<typeof createSessionList>, view: (family: FamilyRecord) => Session, onChange?: (familyId: string, claimsAt: number) => Promise<unknown>) {
  const { keys, readRaw, swap, now } = records

  async function updateFamily(familyId: string, update: ClaimsUpdate): Promise<Session | undefined> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const { record: family, version } = await readRaw<FamilyRecord>(keys.family(familyId))
      if (!family || version === null || family.expiresAt <= now()) return undefined
      // Only the named user's sessions, whatever family id a caller passes.
      if (family.user.sub !== update.sub || (update.provider !== undefined && family.user.provider !== update.provider)) return undefined
      const claims = await update.change(family.claims, view(family))
      // Past every token issued so far (their iat may equal the last claimsAt): it only moves forward.
      const claimsAt = Math.max(Math.floor(now() / 1000) + 1, (family.claimsAt ?? 0) + 1)
      const { claimsPinned: _pinned, ...rest } = family
      const next: FamilyRecord = { ...rest, claims, claimsAt, ...(update.pin ? { claimsPinned: true as const } : {}) }
      if (await swap(keys.family(familyId), version, next, family.expiresAt)) {
        // The old tokens go on the list only after the record changed: a refresh now gets the new claims.
        await onChange?.(familyId, claimsAt)
        return view(next)
      }
    }
    throw new AegisError(503, 'storage_unavailable', `claims of family ${fingerprint(familyId)} not updated: the record kept changing`)
  }

  return {
    /** The sessions whose claims changed. */
    async update(update: ClaimsUpdate): Promise<Session[]> {
      const families = update.familyId ? [update.familyId] : (await list.liveFamilies(update.sub, update.provider)).map(family => family.familyId)
      const changed: Session[] = []
      for (const familyId of families) {
        const session = await updateFamily(familyId, update)
        if (session) changed.push(session)
      }
      return changed
    },
  }
}
