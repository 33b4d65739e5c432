import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  emptyRoot,
  MemoryMerkleTree,
  proveConsistency,
  proveInclusion,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/tlog/index.js'

interface Vectors {
  leaves_hex: string[]
  roots_hex: string[]
  inclusion: { leaf: number; size: number; proof_hex: string[] }[]
  consistency: { size1: number; size2: number; proof_hex: string[] }[]
  empty_root_hex: string
}

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/rfc6962-vectors/vectors.json', import.meta.url), 'utf8'),
) as Vectors
const leaves = vectors.leaves_hex.map((h) => Buffer.from(h, 'hex'))
const hex = (bs: readonly Uint8Array[]) => bs.map((b) => Buffer.from(b).toString('hex'))
const root = (size: number) => Buffer.from(vectors.roots_hex[size - 1]!, 'hex')

describe('RFC 6962 test vectors (transparency-dev/merkle v0.0.2)', () => {
  it('computes the empty root and every root MTH(D[0:n])', async () => {
    expect(emptyRoot().toString('hex')).toBe(vectors.empty_root_hex)
    for (let n = 1; n <= leaves.length; n += 1) {
      const tree = MemoryMerkleTree.fromLeaves(leaves.slice(0, n))
      expect(tree.root().toString('hex')).toBe(vectors.roots_hex[n - 1])
      expect((await treeRoot(tree, n)).toString('hex')).toBe(vectors.roots_hex[n - 1])
    }
  })

  it('generates and verifies the published inclusion proofs', async () => {
    const tree = MemoryMerkleTree.fromLeaves(leaves)
    const cases = vectors.inclusion.filter((v) => v.leaf > 0)
    expect(cases.length).toBeGreaterThanOrEqual(5)
    for (const v of cases) {
      const proof = await proveInclusion(tree, v.leaf - 1, v.size)
      expect(hex(proof)).toEqual(v.proof_hex)
      const leaf = MemoryMerkleTree.fromLeaves([leaves[v.leaf - 1]!]).root()
      expect(() => verifyInclusion(v.leaf - 1, v.size, leaf, proof, root(v.size))).not.toThrow()
    }
  })

  it('generates and verifies the published consistency proofs', async () => {
    const tree = MemoryMerkleTree.fromLeaves(leaves)
    expect(vectors.consistency.length).toBe(5)
    for (const v of vectors.consistency) {
      const proof = await proveConsistency(tree, v.size1, v.size2)
      expect(hex(proof)).toEqual(v.proof_hex)
      const bytes = v.proof_hex.map((h) => Buffer.from(h, 'hex'))
      expect(() => verifyConsistency(v.size1, v.size2, bytes, root(v.size1), root(v.size2))).not.toThrow()
    }
  })
})
