import { TlogError } from './errors.js'

/**
 * A complete subtree of the Merkle tree: `2^level` leaves starting at leaf `index * 2^level`. Level 0
 * nodes are leaf hashes. Every hash a proof or a tile needs is one of these (or a fold of several).
 */
export interface NodeId {
  readonly level: number
  readonly index: number
}

/**
 * A proof to be built: each element is the hash of a range of leaves, written as the complete
 * subtrees covering it left to right (folded right to left with `nodeHash`).
 */
export type ProofPlan = readonly (readonly NodeId[])[]

function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new TlogError('TLOG_RANGE_INVALID', `${what} must be a non-negative safe integer, got ${n}`)
}

/** Largest power of two strictly below `n` (n > 1): RFC 9162's split point `k`. */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * The complete subtrees covering leaves [start, end) as the RFC 9162 recursion splits them: greedy,
 * largest first. `start` must be aligned (as every range of that recursion is).
 *
 * @throws {TlogError} TLOG_RANGE_INVALID for an empty, reversed or unaligned range.
 * @example
 * rangeNodes(0, 7) // [{level:2,index:0},{level:1,index:2},{level:0,index:6}]
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  assertSize(start, 'range start')
  assertSize(end, 'range end')
  if (end <= start) throw new TlogError('TLOG_RANGE_INVALID', `empty leaf range [${start}, ${end})`)
  const out: NodeId[] = []
  let at = start
  while (at < end) {
    let size = 1
    let level = 0
    while (size * 2 <= end - at) {
      size *= 2
      level += 1
    }
    if (at % size !== 0)
      throw new TlogError('TLOG_RANGE_INVALID', `leaf range [${start}, ${end}) is not a Merkle subtree range`)
    out.push({ level, index: at / size })
    at += size
  }
  return out
}

/**
 * The complete subtrees whose fold is the root of a tree of `size` leaves (its right edge).
 *
 * @throws {TlogError} TLOG_RANGE_INVALID when size is 0 or not a safe integer.
 * @example
 * rootNodes(6) // [{level:2,index:0},{level:1,index:2}]
 */
export function rootNodes(size: number): NodeId[] {
  return rangeNodes(0, size)
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[n]): the ranges whose hashes form the inclusion proof of leaf `index`
 * in a tree of `size` leaves, deepest first.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID unless 0 <= index < size.
 * @example
 * inclusionPlan(2, 7)
 */
export function inclusionPlan(index: number, size: number): ProofPlan {
  assertSize(index, 'leaf index')
  assertSize(size, 'tree size')
  if (index >= size)
    throw new TlogError('TLOG_RANGE_INVALID', `leaf index ${index} is not in a tree of size ${size}`)
  const out: NodeId[][] = []
  const path = (lo: number, hi: number): void => {
    if (hi - lo <= 1) return
    const k = splitPoint(hi - lo)
    if (index < lo + k) {
      path(lo, lo + k)
      out.push(rangeNodes(lo + k, hi))
    } else {
      path(lo + k, hi)
      out.push(rangeNodes(lo, lo + k))
    }
  }
  path(0, size)
  return out
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]): the ranges whose hashes form the consistency proof from a tree
 * of `from` leaves to one of `to` leaves. Empty when from === to.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID unless 0 < from <= to.
 * @example
 * consistencyPlan(3, 7)
 */
export function consistencyPlan(from: number, to: number): ProofPlan {
  assertSize(from, 'old tree size')
  assertSize(to, 'new tree size')
  if (from < 1 || from > to)
    throw new TlogError('TLOG_RANGE_INVALID', `consistency needs 0 < from <= to, got from ${from}, to ${to}`)
  const out: NodeId[][] = []
  const sub = (lo: number, hi: number, whole: boolean): void => {
    if (from === hi) {
      if (!whole) out.push(rangeNodes(lo, hi))
      return
    }
    const k = splitPoint(hi - lo)
    if (from <= lo + k) {
      sub(lo, lo + k, whole)
      out.push(rangeNodes(lo + k, hi))
    } else {
      sub(lo + k, hi, false)
      out.push(rangeNodes(lo, lo + k))
    }
  }
  if (from < to) sub(0, to, true)
  return out
}
