import { createHash, hash } from 'node:crypto'
import { entryCanonicalText } from '../chain.js'
import type { UnhashedEntry } from '../ledger.types.js'
import { TlogError } from './errors.js'

/** Bytes of a SHA-256 hash. */
export const HASH_SIZE = 32

// Proofs, verification and tree upkeep hash little else than leaves and nodes, so both are built in
// reused input buffers (hashing is synchronous: no caller can interleave) and hashed one-shot to a
// latin1 string: in Node 20 that and one Buffer.from cost half of a Hash object or a Buffer digest.
// Larger leaves (rare) get an input of their own, so no buffer grows for good.
const leafInput = Buffer.allocUnsafe(64 * 1024)
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE, 0x01)

function digest(input: Uint8Array): Buffer {
  return Buffer.from(hash('sha256', input, 'binary'), 'binary')
}

/**
 * RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 ‖ leaf bytes).
 *
 * @example
 * leafHash(Buffer.from('')) // 6e340b9c… (RFC 6962 vector)
 */
export function leafHash(leaf: Uint8Array): Buffer {
  const input = leaf.length < leafInput.length ? leafInput : Buffer.allocUnsafe(leaf.length + 1)
  input[0] = 0x00
  input.set(leaf, 1)
  return digest(input.subarray(0, leaf.length + 1))
}

/**
 * RFC 9162 §2.1.1 interior hash: SHA-256(0x01 ‖ left ‖ right).
 *
 * @example
 * const parent = nodeHash(leafHash(a), leafHash(b))
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    const input = Buffer.allocUnsafe(1 + left.length + right.length)
    input[0] = 0x01
    input.set(left, 1)
    input.set(right, 1 + left.length)
    return digest(input)
  }
  nodeInput.set(left, 1)
  nodeInput.set(right, 1 + HASH_SIZE)
  return digest(nodeInput)
}

/**
 * Root of the empty tree: SHA-256 of no bytes.
 *
 * @example
 * emptyRoot().toString('hex') // e3b0c442…
 */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest()
}

/**
 * The leaf bytes of a ledger entry: the UTF-8 of its RFC 8785 text without `hash` (the exact bytes
 * whose SHA-256 is the entry's v1 `hash`).
 *
 * @example
 * const leaf = entryLeafBytes(entry) // sha256(leaf) === entry.hash
 */
export function entryLeafBytes(entry: UnhashedEntry, bodyText?: string): Buffer {
  return Buffer.from(entryCanonicalText(entry, bodyText), 'utf8')
}

/**
 * Leaf hash of a ledger entry (see {@link entryLeafBytes}).
 *
 * @example
 * const h = entryLeafHash(entry)
 */
export function entryLeafHash(entry: UnhashedEntry, bodyText?: string): Buffer {
  return leafHash(entryLeafBytes(entry, bodyText))
}

/**
 * Accepts 32 bytes as a hash (copying), refusing anything else.
 *
 * @throws {TlogError} TLOG_HASH_INVALID
 * @example
 * toHash(row.hash)
 */
export function toHash(bytes: Uint8Array, what = 'hash'): Buffer {
  if (bytes.length !== HASH_SIZE)
    throw new TlogError('TLOG_HASH_INVALID', `${what} must be ${HASH_SIZE} bytes, got ${bytes.length}`)
  return Buffer.from(bytes)
}

/**
 * Parses a 32-byte hash from lowercase hex or standard base64 (attacker-controlled text).
 *
 * @throws {TlogError} TLOG_HASH_INVALID
 * @example
 * parseHash('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
 */
export function parseHash(text: unknown, what = 'hash'): Buffer {
  if (typeof text === 'string' && /^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex')
  if (typeof text === 'string' && text.length === 44) {
    const bytes = Buffer.from(text, 'base64')
    if (bytes.length === HASH_SIZE && bytes.toString('base64') === text) return bytes
  }
  throw new TlogError('TLOG_HASH_INVALID', `${what} must be 64 lowercase hex or base64 of 32 bytes`)
}
