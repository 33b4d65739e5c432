import { TlogError } from './errors.js'
import { emptyRoot, HASH_SIZE, nodeHash, toHash } from './merkle-hash.js'
import { consistencyPlan, inclusionPlan, type NodeId, type ProofPlan, rootNodes } from './tree-plan.js'

/**
 * Where proofs read stored subtree hashes from: the database table of migration 0103, an in-memory
 * tree, a tile reader. Returns one 32-byte hash per requested node, in order.
 *
 * @throws {TlogError} TLOG_HASH_MISSING when a node is not stored.
 */
export interface HashSource {
  readHashes(nodes: readonly NodeId[]): Promise<readonly Uint8Array[]>
}

/**
 * Folds the hashes of consecutive complete subtrees (left to right) into the hash of their range.
 *
 * @example
 * foldHashes([a, b, c]) // nodeHash(a, nodeHash(b, c))
 */
export function foldHashes(hashes: readonly Uint8Array[]): Buffer {
  const last = hashes[hashes.length - 1]
  if (last === undefined) throw new TlogError('TLOG_RANGE_INVALID', 'cannot fold an empty range')
  let acc: Buffer = Buffer.from(last)
  for (let i = hashes.length - 2; i >= 0; i -= 1) acc = nodeHash(hashes[i]!, acc)
  return acc
}

async function resolvePlan(source: HashSource, plan: ProofPlan): Promise<Buffer[]> {
  const flat = plan.flat()
  if (flat.length === 0) return []
  const hashes = await source.readHashes(flat)
  if (hashes.length !== flat.length)
    throw new TlogError('TLOG_HASH_MISSING', `hash source returned ${hashes.length} of ${flat.length} hashes`)
  let at = 0
  return plan.map((nodes) => {
    // Checked here, described only when wrong: proofs are hot and nearly always right.
    const part = hashes
      .slice(at, at + nodes.length)
      .map((h, i) => (h.length === HASH_SIZE ? h : toHash(h, describe(nodes[i]!))))
    at += nodes.length
    return foldHashes(part)
  })
}

function describe(node: NodeId): string {
  return `hash of node (level ${node.level}, index ${node.index})`
}

/**
 * Inclusion proof (RFC 9162 §2.1.3.1) of leaf `index` in the tree of `size` leaves.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_HASH_MISSING, TLOG_HASH_INVALID
 * @example
 * const proof = await proveInclusion(source, seq - 1, size)
 */
export function proveInclusion(source: HashSource, index: number, size: number): Promise<Buffer[]> {
  return resolvePlan(source, inclusionPlan(index, size))
}

/**
 * Consistency proof (RFC 9162 §2.1.4.1) from the tree of `from` leaves to the tree of `to` leaves.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_HASH_MISSING, TLOG_HASH_INVALID
 * @example
 * const proof = await proveConsistency(source, 10, 20)
 */
export function proveConsistency(source: HashSource, from: number, to: number): Promise<Buffer[]> {
  return resolvePlan(source, consistencyPlan(from, to))
}

/**
 * Root hash (RFC 9162 MTH) of the tree of `size` leaves; size 0 is the empty tree.
 *
 * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_HASH_MISSING, TLOG_HASH_INVALID
 * @example
 * const root = await treeRoot(source, size)
 */
export async function treeRoot(source: HashSource, size: number): Promise<Buffer> {
  if (size === 0) return emptyRoot()
  const [root] = await resolvePlan(source, [rootNodes(size)])
  return root!
}
