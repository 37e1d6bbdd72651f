import { randomFillSync } from 'node:crypto'

/**
 * Random tokens for the refresh hot path (token ids and secrets, access-token `jti`): the same
 * CSPRNG as `randomBytes`, filled 4 KiB at a time instead of one system call per token (one call
 * costs several µs; a rotation needs four tokens). Every byte of the pool is handed out once,
 * then the pool is refilled: no two tokens share a byte. The pool never leaves this module.
 */
const POOL_SIZE = 4096
const pool = Buffer.alloc(POOL_SIZE)
let offset = POOL_SIZE

/** The offset of `bytes` fresh bytes in the pool (refilled first when fewer are left). */
function take(bytes: number): number {
  if (bytes > POOL_SIZE) throw new RangeError('random pool: too many bytes at once')
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool)
    offset = 0
  }
  const start = offset
  offset += bytes
  return start
}

/** `bytes` random bytes as base64url (32 bytes = 256 bits = 43 characters), like `randomToken` of core/crypto. */
export function pooledRandomToken(bytes = 32): string {
  const start = take(bytes)
  const token = pool.toString('base64url', start, start + bytes)
  // Spent bytes are zeroed: what is left in the pool is only what no token has used yet.
  pool.fill(0, start, start + bytes)
  return token
}

/** `bytes` random bytes in a buffer of their own (an IV). */
export function pooledRandomBytes(bytes: number): Buffer {
  const start = take(bytes)
  const copy = Buffer.from(pool.subarray(start, start + bytes))
  pool.fill(0, start, start + bytes)
  return copy
}
