import type { NodeId } from './tlog/index.js'

// A number per node (levels are below 64): proofs look nodes up dozens of times, and a string key
// built per lookup cost more than the lookup. Indexes past 2^47 (no real chain) are not kept.
const nodeNumber = (node: NodeId): number => node.index * 64 + node.level

/**
 * Hashes of a chain's upper Merkle nodes, kept in memory by a reader. A node is a complete subtree,
 * and the tree is append-only, so a node's hash never changes: safe to keep, in any number of
 * processes. Every proof of a chain passes through the same few upper nodes, so keeping them turns
 * most of a proof's row lookups into memory reads. Only nodes at `minLevel` and above are kept (the
 * lower ones are many and rarely asked for twice), at most `maxEntries`: when full it starts over
 * (cheaper per lookup than tracking recency, and the upper nodes of a chain are few: 5,200 for a
 * million entries at the default level 8).
 *
 * @example
 * const cache = new MerkleNodeCache()
 * cache.set('default', { level: 9, index: 3 }, hash)
 */
export class MerkleNodeCache {
  private readonly chains = new Map<string, Map<number, Buffer>>()
  private count = 0

  constructor(
    readonly maxEntries = 65_536,
    readonly minLevel = 8,
  ) {}

  /** The kept hash of `node` in `chain`, if any. */
  get(chain: string, node: NodeId): Buffer | undefined {
    if (node.level < this.minLevel) return undefined
    return this.chains.get(chain)?.get(nodeNumber(node))
  }

  /** Keeps the hash of `node` (ignored below `minLevel`). */
  set(chain: string, node: NodeId, hash: Buffer): void {
    const key = nodeNumber(node)
    if (node.level < this.minLevel || !Number.isSafeInteger(key)) return
    if (this.count >= this.maxEntries) {
      this.chains.clear()
      this.count = 0
    }
    let nodes = this.chains.get(chain)
    if (!nodes) {
      nodes = new Map()
      this.chains.set(chain, nodes)
    }
    if (!nodes.has(key)) this.count += 1
    nodes.set(key, hash)
  }

  /** Number of hashes kept. */
  get size(): number {
    return this.count
  }
}
