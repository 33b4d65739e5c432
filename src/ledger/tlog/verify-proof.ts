import { timingSafeEqual } from 'node:crypto'
import { TlogError } from './errors.js'
import { HASH_SIZE, nodeHash } from './merkle-hash.js'

// Pure checks of attacker-supplied proofs: every hash is length-checked, every index bounded, and the
// loops are the RFC 9162 algorithms written with arithmetic (sizes go past 2^32, JS bit ops do not).

function isOdd(n: number): boolean {
  return n % 2 === 1
}

function half(n: number): number {
  return Math.floor(n / 2)
}

function checkHashes(proof: readonly Uint8Array[], what: string): void {
  proof.forEach((h, i) => {
    if (h.length !== HASH_SIZE)
      throw new TlogError(
        'TLOG_HASH_INVALID',
        `${what} element ${i} must be ${HASH_SIZE} bytes, got ${h.length}`,
      )
  })
}

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new TlogError('TLOG_RANGE_INVALID', `${what} must be a non-negative safe integer, got ${n}`)
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1-5), or throws when the proof has
 * the wrong length for (index, size).
 *
 * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_HASH_INVALID, TLOG_PROOF_INVALID
 * @example
 * const root = rootFromInclusionProof(seq - 1, size, leafHash, proof)
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  checkSize(index, 'leaf index')
  checkSize(size, 'tree size')
  if (index >= size)
    throw new TlogError('TLOG_RANGE_INVALID', `leaf index ${index} is not in a tree of size ${size}`)
  checkHashes([leaf], 'leaf hash')
  checkHashes(proof, 'inclusion proof')
  let fn = index
  let sn = size - 1
  let r: Buffer = Buffer.from(leaf)
  for (const p of proof) {
    if (sn === 0)
      throw new TlogError('TLOG_PROOF_INVALID', `inclusion proof is too long (${proof.length} hashes)`)
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r)
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0)
    throw new TlogError('TLOG_PROOF_INVALID', `inclusion proof is too short (${proof.length} hashes)`)
  return r
}

/**
 * Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves with root `root`.
 *
 * @throws {TlogError} TLOG_PROOF_INVALID when it is not; TLOG_RANGE_INVALID, TLOG_HASH_INVALID for malformed input.
 * @example
 * verifyInclusion(seq - 1, size, entryLeafHash(entry), proof, root)
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHashes([root], 'root hash')
  const computed = rootFromInclusionProof(index, size, leaf, proof)
  if (!sameHash(computed, root))
    throw new TlogError(
      'TLOG_PROOF_INVALID',
      `inclusion proof of leaf ${index} in tree ${size} leads to root ${computed.toString('hex')}, expected ${Buffer.from(root).toString('hex')}`,
    )
}

/**
 * Verifies that the tree of `from` leaves with root `fromRoot` is a prefix of the tree of `to` leaves
 * with root `toRoot` (RFC 9162 §2.1.4.2). from === to needs an empty proof and equal roots.
 *
 * @throws {TlogError} TLOG_PROOF_INVALID when it is not; TLOG_RANGE_INVALID, TLOG_HASH_INVALID for malformed input.
 * @example
 * verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot)
 */
export function verifyConsistency(
  from: number,
  to: number,
  proof: readonly Uint8Array[],
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
): void {
  checkSize(from, 'old tree size')
  checkSize(to, 'new tree size')
  checkHashes([fromRoot, toRoot], 'root hash')
  checkHashes(proof, 'consistency proof')
  if (from < 1 || from > to)
    throw new TlogError('TLOG_RANGE_INVALID', `consistency needs 0 < from <= to, got from ${from}, to ${to}`)
  if (from === to) {
    if (proof.length !== 0)
      throw new TlogError('TLOG_PROOF_INVALID', 'consistency proof between equal sizes must be empty')
    if (!sameHash(fromRoot, toRoot))
      throw new TlogError('TLOG_PROOF_INVALID', `trees of equal size ${from} have different roots`)
    return
  }
  // Step 1: when the old tree is a complete subtree, its root is the proof's implicit first element.
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof]
  if (path.length === 0) throw new TlogError('TLOG_PROOF_INVALID', 'consistency proof is empty')
  let fn = from - 1
  let sn = to - 1
  while (isOdd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr: Buffer = Buffer.from(path[0]!)
  let sr: Buffer = Buffer.from(path[0]!)
  for (const c of path.slice(1)) {
    if (sn === 0)
      throw new TlogError('TLOG_PROOF_INVALID', `consistency proof is too long (${proof.length} hashes)`)
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0)
    throw new TlogError('TLOG_PROOF_INVALID', `consistency proof is too short (${proof.length} hashes)`)
  if (!sameHash(fr, fromRoot))
    throw new TlogError(
      'TLOG_PROOF_INVALID',
      `consistency proof does not lead to the old root of tree ${from}`,
    )
  if (!sameHash(sr, toRoot))
    throw new TlogError('TLOG_PROOF_INVALID', `consistency proof does not lead to the new root of tree ${to}`)
}

function isPowerOfTwo(n: number): boolean {
  let k = 1
  while (k < n) k *= 2
  return k === n
}
