/** Reads the fixture's refresh-token records straight from the fs storage (what an attacker with disk access sees). */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURE_DIR } from './server'

export const REFRESH_STORAGE_DIR = join(FIXTURE_DIR, '.data/refresh-tokens')

export interface StoredFile {
  /** Path relative to the storage directory. */
  path: string
  text: string
}

/** Every file under the refresh-token storage directory. */
export function storedFiles(): StoredFile[] {
  if (!existsSync(REFRESH_STORAGE_DIR)) return []
  return readdirSync(REFRESH_STORAGE_DIR, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map((entry) => {
      const full = join(entry.parentPath, entry.name)
      return { path: full.slice(REFRESH_STORAGE_DIR.length + 1), text: readFileSync(full, 'utf8') }
    })
}

/** The stored record of a refresh token (`<id>.<secret>`), parsed; undefined when there is none. */
export function storedRecord(refreshToken: string): Record<string, unknown> & { familyId: string } | undefined {
  const id = refreshToken.split('.')[0]!
  const file = storedFiles().find(f => f.path.split(/[/\\]/).at(-1) === id && !f.path.includes('family'))
  return file ? JSON.parse(file.text) : undefined
}

function familyFile(refreshToken: string): StoredFile | undefined {
  const token = storedRecord(refreshToken)
  if (!token) return undefined
  return storedFiles().find(f => f.path.split(/[/\\]/).slice(-2).join('/') === `family/${token.familyId}`)
}

/** The stored session family (user, claims, absolute end) a refresh token belongs to. */
export function storedFamily(refreshToken: string): Record<string, unknown> & { user: Record<string, unknown> } | undefined {
  const file = familyFile(refreshToken)
  return file ? JSON.parse(file.text) : undefined
}

/** Rewrites the stored family of a refresh token (e.g. as a family from before an upgrade looks). */
export function rewriteFamily(refreshToken: string, change: (family: Record<string, unknown>) => Record<string, unknown>): void {
  const file = familyFile(refreshToken)
  if (!file) throw new Error('no stored family for that token')
  writeFileSync(join(REFRESH_STORAGE_DIR, file.path), JSON.stringify(change(JSON.parse(file.text))))
}
