import { createStorage } from 'unstorage'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createEncryptedCodec, encryptionKeyId, plainCodec } from '../../src/runtime/server/sessions/record-codec'
import { createSessionStore } from '../../src/runtime/server/sessions/sessions'
import type { SessionStoreOptions } from '../../src/runtime/server/sessions/sessions'
import { AegisError } from '../../src/runtime/server/core/errors'

const KEY_1 = 'first-encryption-key-of-at-least-32-bytes!'
const KEY_2 = 'second-encryption-key-of-at-least-32-bytes'
const record = { v: 2, user: { sub: 'alice', email: 'alice@example.com' } }

describe('[SES-5] record codec', () => {
  it('plain codec stores the object as is', () => {
    expect(plainCodec.encode('k', record)).toBe(record)
    expect(plainCodec.decode('k', record)).toBe(record)
    expect(plainCodec.decode('k', null)).toBeUndefined()
    expect(plainCodec.decode('k', 'a string')).toBe('unreadable')
  })

  it('encrypts with a random IV per write: same record, different ciphertext, no plaintext', () => {
    const codec = createEncryptedCodec([KEY_1])
    const a = codec.encode('refresh:x', record) as string
    const b = codec.encode('refresh:x', record) as string
    expect(a).not.toBe(b)
    expect(a).toMatch(new RegExp(`^aegis-enc\\.${encryptionKeyId(KEY_1)}\\.`))
    expect(a).not.toContain('alice')
    expect(codec.decode('refresh:x', a)).toEqual(record)
  })

  it('refuses a record moved to another key, tampered, written with an unknown key, or not encrypted', () => {
    const codec = createEncryptedCodec([KEY_1])
    const sealed = codec.encode('refresh:x', record) as string
    expect(codec.decode('refresh:y', sealed)).toBe('unreadable')
    const parts = sealed.split('.')
    const body = parts[3]!
    parts[3] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1)
    expect(codec.decode('refresh:x', parts.join('.'))).toBe('unreadable')
    expect(createEncryptedCodec([KEY_2]).decode('refresh:x', sealed)).toBe('unreadable')
    expect(codec.decode('refresh:x', record)).toBe('unreadable')
    expect(codec.decode('refresh:x', 'aegis-enc.nope')).toBe('unreadable')
  })

  it('key ids: a new first key encrypts, former keys still open old records', () => {
    const old = createEncryptedCodec([KEY_1])
    const rotated = createEncryptedCodec([KEY_2, KEY_1])
    const sealedOld = old.encode('k', record)
    expect(rotated.decode('k', sealedOld)).toEqual(record)
    expect(rotated.isCurrent(sealedOld)).toBe(false)
    const sealedNew = rotated.encode('k', record)
    expect(rotated.isCurrent(sealedNew)).toBe(true)
    expect(String(sealedNew)).toContain(`.${encryptionKeyId(KEY_2)}.`)
    expect(old.decode('k', sealedNew)).toBe('unreadable')
  })

  it('key ids reveal nothing of the key and differ per key', () => {
    expect(encryptionKeyId(KEY_1)).toMatch(/^[\w-]{8}$/)
    expect(encryptionKeyId(KEY_1)).not.toBe(encryptionKeyId(KEY_2))
    expect(KEY_1).not.toContain(encryptionKeyId(KEY_1))
  })
})

describe('[SES-5] sessions encrypted at rest', () => {
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const user = { sub: 'alice', provider: 'mock', email: 'alice@example.com', name: 'Alice Secretname' }
  const make = (overrides: Partial<SessionStoreOptions>) => createSessionStore({
    storage: createStorage(), prefix: 'refresh:', idleTimeout: 3600, absoluteTimeout: 86400, rotation: true, reuseInterval: 10, ...overrides,
  })

  it('no profile data or hash is readable in storage; the session works', async () => {
    const storage = createStorage()
    const sessions = make({ storage, codec: createEncryptedCodec([KEY_1]) })
    const { token } = await sessions.create({ user, claims: { role: 'admin' } })
    const next = await sessions.rotate(token)
    const keys = await storage.getKeys()
    const raw = JSON.stringify(await Promise.all(keys.map(k => storage.getItem(k))))
    for (const secret of ['alice@example.com', 'Secretname', 'admin', '"hash"']) expect(raw).not.toContain(secret)
    for (const key of keys) expect(String(await storage.getItem(key))).toMatch(/^aegis-enc\./)
    expect((await sessions.get(next.token))?.user).toEqual(user)
  })

  it('a wrong key or a tampered record is a 401 with one log line, never a 500', async () => {
    const storage = createStorage()
    const { token } = await make({ storage, codec: createEncryptedCodec([KEY_1]) }).create({ user, claims: {} })
    const wrongKey = make({ storage, codec: createEncryptedCodec([KEY_2]) })
    const error = await wrongKey.rotate(token).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AegisError)
    expect(error).toMatchObject({ statusCode: 401, code: 'invalid_refresh_token' })
    expect(console.error).toHaveBeenCalledWith('[nuxt-aegis]', expect.stringMatching(/cannot be read: wrong encryption key, tampered or unencrypted/))

    const key = `refresh:${token.split('.')[0]}`
    const sealed = String(await storage.getItem(key))
    await storage.setItem(key, `${sealed.slice(0, -2)}AA`)
    await expect(make({ storage, codec: createEncryptedCodec([KEY_1]) }).rotate(token)).rejects.toMatchObject({ statusCode: 401 })
  })

  it('after a key change old sessions go on, and move to the new key as they are used', async () => {
    const storage = createStorage()
    const { token, session } = await make({ storage, codec: createEncryptedCodec([KEY_1]) }).create({ user, claims: {} })
    const rotated = make({ storage, codec: createEncryptedCodec([KEY_2, KEY_1]) })
    const next = await rotated.rotate(token)
    const newId = encryptionKeyId(KEY_2)
    expect(String(await storage.getItem(`refresh:${next.token.split('.')[0]}`))).toContain(`.${newId}.`)
    expect(String(await storage.getItem(`refresh:family:${session.familyId}`))).toContain(`.${newId}.`)
    // Once everything in use moved, the old key can go.
    expect((await make({ storage, codec: createEncryptedCodec([KEY_2]) }).rotate(next.token)).token).toMatch(/^[\w-]{22}\.[\w-]{43}$/)
  })
})
