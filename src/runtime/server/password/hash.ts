import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { ScryptOptions as NodeScryptOptions } from 'node:crypto'

/**
 * scrypt parameters. The defaults are one of OWASP's equivalent settings for scrypt
 * (N=2^15, r=8, p=3: 32 MiB of memory per hash).
 */
export interface ScryptParams {
  /** CPU/memory cost N, a power of two. @default 32768 */
  cost: number
  /** Block size r. @default 8 */
  blockSize: number
  /** Parallelization p. @default 3 */
  parallelization: number
  /** Length of the derived key in bytes. @default 32 */
  keyLength: number
  /** Length of the random salt in bytes. @default 16 */
  saltLength: number
}

export const DEFAULT_SCRYPT: ScryptParams = { cost: 32768, blockSize: 8, parallelization: 3, keyLength: 32, saltLength: 16 }

/** Bounds for parameters read back from a stored hash: a tampered hash must not exhaust memory or CPU. */
const LIMITS = { cost: 2 ** 20, blockSize: 32, parallelization: 16, keyLength: 64, saltLength: 64 }
/** Longer passwords are refused before hashing (policy) and never verified: scrypt input stays bounded. */
export const MAX_PASSWORD_BYTES = 1024

const PREFIX = '$scrypt$v=1$'
const FORMAT = /^\$scrypt\$v=1\$n=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0
}

/** Fills in defaults and checks the parameters; throws a message naming the bad one. */
export function scryptParams(input: Partial<ScryptParams> = {}): ScryptParams {
  const params = { ...DEFAULT_SCRYPT, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && (v as unknown) !== '').map(([k, v]) => [k, Number(v)])) } as ScryptParams
  if (!isPowerOfTwo(params.cost) || params.cost > LIMITS.cost) throw new Error(`scrypt cost must be a power of two between 2 and ${LIMITS.cost}`)
  for (const name of ['blockSize', 'parallelization', 'keyLength', 'saltLength'] as const) {
    const value = params[name]
    if (!Number.isSafeInteger(value) || value < 1 || value > LIMITS[name]) throw new Error(`scrypt ${name} must be an integer between 1 and ${LIMITS[name]}`)
  }
  if (params.keyLength < 16 || params.saltLength < 16) throw new Error('scrypt keyLength and saltLength must be at least 16 bytes')
  return params
}

function derive(password: string, salt: Buffer, p: Pick<ScryptParams, 'cost' | 'blockSize' | 'parallelization' | 'keyLength'>): Promise<Buffer> {
  // Node refuses more than 32 MiB unless maxmem allows it; give exactly what N and r need.
  const options: NodeScryptOptions = { N: p.cost, r: p.blockSize, p: p.parallelization, maxmem: 128 * p.cost * p.blockSize + 2 ** 20 }
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, p.keyLength, options, (error, key) => error ? reject(error) : resolve(key)))
}

/**
 * Hashes a password with scrypt and a random salt. The result is self-describing:
 * `$scrypt$v=1$n=<N>,r=<r>,p=<p>$<salt>$<key>` (base64url), so verifying needs no settings
 * and old hashes keep working after the parameters change.
 */
export async function hashPassword(password: string, params: Partial<ScryptParams> = {}): Promise<string> {
  if (typeof password !== 'string') throw new TypeError('password must be a string')
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new RangeError(`password longer than ${MAX_PASSWORD_BYTES} bytes`)
  const p = scryptParams(params)
  const salt = randomBytes(p.saltLength)
  const key = await derive(password, salt, p)
  return `${PREFIX}n=${p.cost},r=${p.blockSize},p=${p.parallelization}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

interface ParsedHash { cost: number, blockSize: number, parallelization: number, salt: Buffer, key: Buffer }

/** Reads a stored hash; undefined when it is not ours or its parameters are out of bounds. */
export function parseHash(encoded: unknown): ParsedHash | undefined {
  if (typeof encoded !== 'string' || encoded.length > 512) return undefined
  const match = FORMAT.exec(encoded)
  if (!match) return undefined
  const [cost, blockSize, parallelization] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const salt = Buffer.from(match[4]!, 'base64url')
  const key = Buffer.from(match[5]!, 'base64url')
  if (!isPowerOfTwo(cost) || cost > LIMITS.cost) return undefined
  if (blockSize < 1 || blockSize > LIMITS.blockSize || parallelization < 1 || parallelization > LIMITS.parallelization) return undefined
  if (key.length < 16 || key.length > LIMITS.keyLength || salt.length < 8 || salt.length > LIMITS.saltLength) return undefined
  return { cost, blockSize, parallelization, salt, key }
}

/**
 * True when `password` matches the scrypt hash `encoded` (compared in constant time).
 * False for a wrong password, a malformed or foreign hash, or an over-long password.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== 'string' || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false
  const parsed = parseHash(encoded)
  if (!parsed) return false
  const key = await derive(password, parsed.salt, { ...parsed, keyLength: parsed.key.length })
  return timingSafeEqual(key, parsed.key)
}

/** True when a stored hash was made with other parameters than `params` (or is not a scrypt hash): hash again at next login. */
export function passwordNeedsRehash(encoded: string, params: Partial<ScryptParams> = {}): boolean {
  const parsed = parseHash(encoded)
  if (!parsed) return true
  const p = scryptParams(params)
  return parsed.cost !== p.cost || parsed.blockSize !== p.blockSize || parsed.parallelization !== p.parallelization
    || parsed.key.length !== p.keyLength || parsed.salt.length !== p.saltLength
}
