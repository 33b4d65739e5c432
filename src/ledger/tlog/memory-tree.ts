import { TlogError } from './errors.js'
import { MerkleFrontier } from './frontier.js'
import { leafHash } from './merkle-hash.js'
import type { HashSource } from './prove.js'
import type { NodeId } from './tree-plan.js'

/**
 * A whole Merkle tree in memory (every complete subtree hash): for tests, small logs and checking a
 * downloaded export. The database store keeps the same nodes in a table.
 *
 * @example
 * const tree = MemoryMerkleTree.fromLeaves([Buffer.from('a'), Buffer.from('b')])
 * const proof = await proveInclusion(tree, 0, 2)
 */
export class MemoryMerkleTree implements HashSource {
  private readonly nodes = new Map<string, Buffer>()
  private readonly frontier = new MerkleFrontier()

  /** A tree of the given leaves (raw leaf bytes, hashed with 0x00). */
  static fromLeaves(leaves: readonly Uint8Array[]): MemoryMerkleTree {
    const tree = new MemoryMerkleTree()
    for (const leaf of leaves) tree.appendLeafHash(leafHash(leaf))
    return tree
  }

  /** Number of leaves. */
  get size(): number {
    return this.frontier.size
  }

  /** Appends a leaf by its leaf hash. */
  appendLeafHash(hash: Uint8Array): void {
    for (const node of this.frontier.append(hash)) this.nodes.set(`${node.level}/${node.index}`, node.hash)
  }

  /** Root of the whole tree. */
  root(): Buffer {
    return this.frontier.root()
  }

  /** @throws {TlogError} TLOG_HASH_MISSING */
  readHashes(nodes: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    try {
      return Promise.resolve(nodes.map((n) => this.hashAt(n)))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  private hashAt(node: NodeId): Buffer {
    const hash = this.nodes.get(`${node.level}/${node.index}`)
    if (!hash)
      throw new TlogError(
        'TLOG_HASH_MISSING',
        `no node (level ${node.level}, index ${node.index}) in a tree of ${this.size}`,
      )
    return hash
  }
}
