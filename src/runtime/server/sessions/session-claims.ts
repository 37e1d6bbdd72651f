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
  /** The providers whose sessions of `sub` are the person's (the store widens a named one as its other calls do). */
  provider?: string | readonly string[]
  /** Only this family (a refresh with `updateClaims`). */
  familyId?: string
  change: ClaimsChange
  /** Refreshes keep these claims (the server set them) instead of running the claims function again. */
  pin: boolean
}

const MAX_TRIES = 5

/** The same claims (as JSON: the form they are stored in). */
function sameClaims(a: Record<string, ClaimValue>, b: Record<string, ClaimValue>): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Changes the claims stored on live sessions: each family record is rewritten by compare-and-set
 * (a refresh noting its time, or a revocation, in between is never undone) with the next claims
 * generation (`claimsAt`). `onChange` is told first, so the revocation list refuses the tokens of
 * older generations before any new claims exist; if it fails, nothing changed (503). The same
 * server-set claims on a pinned session change nothing and record nothing.
 */
export function createClaimsUpdater(records: RecordStore, list: ReturnType<typeof createSessionList>, view: (family: FamilyRecord) => Session, onChange?: (familyId: string, claimsAt: number) => Promise<unknown>) {
  const { keys, readRaw, swap, now } = records

  async function updateFamily(familyId: string, update: ClaimsUpdate): Promise<Session | undefined> {
    // The highest generation this update put on the revocation list: the record must reach it, or
    // the session's new tokens (of the record's generation) would be refused.
    let written = 0
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const { record: family, version } = await readRaw<FamilyRecord>(keys.family(familyId))
      if (!family || version === null || family.expiresAt <= now()) return undefined
      // Only the named user's sessions, whatever family id a caller passes.
      if (family.user.sub !== update.sub || (update.provider !== undefined && ![update.provider].flat().includes(family.user.provider))) return undefined
      const claims = await update.change(family.claims, view(family))
      // Same server-set claims on a pinned session: its tokens carry exactly these, nothing to refuse.
      // (Unpinned tokens carry what the claims function computed at their refresh, which may differ.)
      if (family.claimsPinned === true && update.pin && sameClaims(claims, family.claims) && (family.claimsAt ?? 0) >= written) return view(family)
      // Only moves forward; near the time in seconds, so a generation stays new after a restart.
      const claimsAt = Math.max(Math.floor(now() / 1000), (family.claimsAt ?? 0) + 1, written)
      const { claimsPinned: _pinned, ...rest } = family
      const next: FamilyRecord = { ...rest, claims, claimsAt, ...(update.pin ? { claimsPinned: true as const } : {}) }
      // The old generations are refused before the new claims exist: a refresh that read the old
      // record meanwhile signs a token of the old generation, which is refused.
      await onChange?.(familyId, claimsAt)
      written = claimsAt
      if (await swap(keys.family(familyId), version, next, family.expiresAt)) return view(next)
    }
    // Its tokens of the record's generation are refused now (the entry is written): the session
    // needs a new login, or a later update that succeeds, within one token lifetime.
    throw new AegisError(503, 'storage_unavailable', `claims of family ${fingerprint(familyId)} not updated: the record kept changing`)
  }

  return {
    /** The sessions whose claims changed. */
    async update(update: ClaimsUpdate): Promise<Session[]> {
      const families = update.familyId ? [update.familyId] : (await list.liveFamilies(update.sub, update.provider === undefined ? undefined : [update.provider].flat())).map(family => family.familyId)
      const changed: Session[] = []
      for (const familyId of families) {
        const session = await updateFamily(familyId, update)
        if (session) changed.push(session)
      }
      return changed
    },
  }
}
