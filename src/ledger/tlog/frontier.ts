import { TlogError } from './errors.js'
import { emptyRoot, nodeHash, toHash } from './merkle-hash.js'
import { foldHashes } from './prove.js'
import { type NodeId, rootNodes } from './tree-plan.js'

/** A complete subtree with its hash: what the store writes as the tree grows. */
export interface StoredNode extends NodeId {
  readonly hash: Buffer
}

/**
 * The right edge of a Merkle tree: the hashes of the complete subtrees of `rootNodes(size)`, largest
 * first. Enough to append leaves (each append emits the level-0 node and every subtree it completes)
 * and to compute the root, in O(log n) memory: the store keeps one per chain, verify streams with one.
 *
 * @example
 * const f = new MerkleFrontier()
 * const written = f.append(entryLeafHash(entry)) // nodes to store
 * f.root()
 */
export class MerkleFrontier {
  private readonly edge: Buffer[]
  private count: number

  /**
   * @throws {TlogError} TLOG_RANGE_INVALID when `edge` does not hold one hash per subtree of `size`.
   */
  constructor(size = 0, edge: readonly Uint8Array[] = []) {
    const expected = size === 0 ? 0 : rootNodes(size).length
    if (edge.length !== expected)
      throw new TlogError(
        'TLOG_RANGE_INVALID',
        `a tree of ${size} leaves has ${expected} edge nodes, got ${edge.length}`,
      )
    this.count = size
    this.edge = edge.map((h) => toHash(h, 'edge hash'))
  }

  /** Number of leaves. */
  get size(): number {
    return this.count
  }

  /** The edge hashes, largest subtree first (pair with `rootNodes(size)`). */
  hashes(): readonly Buffer[] {
    return [...this.edge]
  }

  /**
   * Appends one leaf hash; returns the nodes this completes (the leaf first, then its parents).
   *
   * @throws {TlogError} TLOG_HASH_INVALID
   */
  append(leaf: Uint8Array): StoredNode[] {
    let hash = toHash(leaf, 'leaf hash')
    let index = this.count
    let level = 0
    const out: StoredNode[] = [{ level, index, hash }]
    // Every trailing 1 bit of the new leaf's index closes a subtree with the edge node to its left.
    while (index % 2 === 1) {
      hash = nodeHash(this.edge.pop()!, hash)
      index = (index - 1) / 2
      level += 1
      out.push({ level, index, hash })
    }
    this.edge.push(hash)
    this.count += 1
    return out
  }

  /**
   * Root hash (RFC 9162 MTH) of the tree so far.
   *
   * @example
   * frontier.root().toString('hex')
   */
  root(): Buffer {
    return this.count === 0 ? emptyRoot() : foldHashes(this.edge)
  }
}
