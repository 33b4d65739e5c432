import type { NodeId } from './tlog/index.js'

const cacheKey = (chain: string, node: NodeId): string => `${node.level}/${node.index}/${chain}`

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
  private readonly entries = new Map<string, Buffer>()

  constructor(
    readonly maxEntries = 65_536,
    readonly minLevel = 8,
  ) {}

  /** The kept hash of `node` in `chain`, if any. */
  get(chain: string, node: NodeId): Buffer | undefined {
    if (node.level < this.minLevel) return undefined
    return this.entries.get(cacheKey(chain, node))
  }

  /** Keeps the hash of `node` (ignored below `minLevel`). */
  set(chain: string, node: NodeId, hash: Buffer): void {
    if (node.level < this.minLevel) return
    if (this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(cacheKey(chain, node), hash)
  }

  /** Number of hashes kept. */
  get size(): number {
    return this.entries.size
  }
}
