import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GENESIS_PREV, linkEntry } from '../../../src/ledger/index.js'
import {
  entryLeafBytes,
  entryLeafHash,
  foldHashes,
  leafHash,
  MemoryMerkleTree,
  MerkleFrontier,
  parseHash,
  proveConsistency,
  proveInclusion,
  rangeNodes,
  rootFromInclusionProof,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/ledger/tlog/index.js'

const leafOf = (i: number) => Buffer.from(`leaf-${i}`)
const big = MemoryMerkleTree.fromLeaves(Array.from({ length: 70 }, (_, i) => leafOf(i)))
const rootAt = (n: number) =>
  MemoryMerkleTree.fromLeaves(Array.from({ length: n }, (_, i) => leafOf(i))).root()

function flipBit(hash: Uint8Array): Buffer {
  const copy = Buffer.from(hash)
  copy[5] = copy[5]! ^ 0x10
  return copy
}

describe('entry leaves', () => {
  it('are the bytes whose SHA-256 is the entry hash', () => {
    const entry = linkEntry({
      chain: 'c',
      seq: 1,
      ts: '2026-11-28T00:00:00.000Z',
      type: 't',
      body: { a: 1 },
      prev: GENESIS_PREV,
    })
    const bytes = entryLeafBytes(entry)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.hash)
    expect(entryLeafHash(entry).equals(leafHash(bytes))).toBe(true)
  })
})

describe('proofs over every (index, size) up to 70 leaves', () => {
  it('inclusion proofs generated from stored subtrees verify, and a flipped bit fails', async () => {
    for (let size = 1; size <= 70; size += 1) {
      const r = rootAt(size)
      expect((await treeRoot(big, size)).equals(r)).toBe(true)
      for (let index = 0; index < size; index += 1) {
        const proof = await proveInclusion(big, index, size)
        const leaf = leafHash(leafOf(index))
        verifyInclusion(index, size, leaf, proof, r)
        if (proof.length > 0) {
          const bad = proof.map((p, i) => (i === proof.length - 1 ? flipBit(p) : p))
          expect(() => verifyInclusion(index, size, leaf, bad, r)).toThrowWithCode('TLOG_PROOF_INVALID')
        }
        expect(() => verifyInclusion(index, size, flipBit(leaf), proof, r)).toThrowWithCode(
          'TLOG_PROOF_INVALID',
        )
      }
    }
  })

  it('consistency proofs verify for every from <= to, and fail against another root', async () => {
    for (let to = 1; to <= 70; to += 1) {
      for (let from = 1; from <= to; from += 1) {
        const proof = await proveConsistency(big, from, to)
        verifyConsistency(from, to, proof, rootAt(from), rootAt(to))
        expect(() => verifyConsistency(from, to, proof, flipBit(rootAt(from)), rootAt(to))).toThrowWithCode(
          'TLOG_PROOF_INVALID',
        )
        expect(() => verifyConsistency(from, to, proof, rootAt(from), flipBit(rootAt(to)))).toThrowWithCode(
          'TLOG_PROOF_INVALID',
        )
      }
    }
  })
})

describe('verifyInclusion on malformed input', () => {
  const leaf = leafHash(leafOf(3))
  it('refuses a proof that is too long or too short with TLOG_PROOF_INVALID', async () => {
    const proof = await proveInclusion(big, 3, 10)
    expect(() => rootFromInclusionProof(3, 10, leaf, [...proof, proof[0]!])).toThrowWithCode(
      'TLOG_PROOF_INVALID',
    )
    expect(() => rootFromInclusionProof(3, 10, leaf, proof.slice(1))).toThrowWithCode('TLOG_PROOF_INVALID')
  })
  it('refuses an index past the tree and bad sizes with TLOG_RANGE_INVALID', () => {
    expect(() => verifyInclusion(10, 10, leaf, [], rootAt(10))).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => verifyInclusion(-1, 10, leaf, [], rootAt(10))).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => verifyInclusion(0, 2 ** 60, leaf, [], rootAt(10))).toThrowWithCode('TLOG_RANGE_INVALID')
  })
  it('refuses hashes that are not 32 bytes with TLOG_HASH_INVALID', () => {
    expect(() => verifyInclusion(0, 2, leaf, [Buffer.alloc(31)], rootAt(2))).toThrowWithCode(
      'TLOG_HASH_INVALID',
    )
    expect(() => verifyInclusion(0, 1, leaf.subarray(1), [], rootAt(1))).toThrowWithCode('TLOG_HASH_INVALID')
  })
})

describe('verifyConsistency on malformed input', () => {
  it('refuses from = 0, from > to, a non-empty proof between equal sizes, an empty proof', () => {
    expect(() => verifyConsistency(0, 3, [], rootAt(1), rootAt(3))).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => verifyConsistency(4, 3, [], rootAt(4), rootAt(3))).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => verifyConsistency(3, 3, [rootAt(1)], rootAt(3), rootAt(3))).toThrowWithCode(
      'TLOG_PROOF_INVALID',
    )
    expect(() => verifyConsistency(3, 3, [], rootAt(3), rootAt(4))).toThrowWithCode('TLOG_PROOF_INVALID')
    expect(() => verifyConsistency(3, 5, [], rootAt(3), rootAt(5))).toThrowWithCode('TLOG_PROOF_INVALID')
  })
  it('refuses a truncated or padded proof', async () => {
    const proof = await proveConsistency(big, 6, 13)
    expect(() => verifyConsistency(6, 13, proof.slice(0, -1), rootAt(6), rootAt(13))).toThrowWithCode(
      'TLOG_PROOF_INVALID',
    )
    expect(() => verifyConsistency(6, 13, [...proof, proof[0]!], rootAt(6), rootAt(13))).toThrowWithCode(
      'TLOG_PROOF_INVALID',
    )
  })
})

describe('MerkleFrontier', () => {
  it('emits each leaf and every subtree it completes, and resumes from stored edge hashes', () => {
    const f = new MerkleFrontier()
    for (let i = 0; i < 7; i += 1) f.append(leafHash(leafOf(i)))
    expect(f.append(leafHash(leafOf(7))).map((n) => [n.level, n.index])).toEqual([
      [0, 7],
      [1, 3],
      [2, 1],
      [3, 0],
    ])
    const resumed = new MerkleFrontier(f.size, f.hashes())
    resumed.append(leafHash(leafOf(8)))
    expect(resumed.root().equals(rootAt(9))).toBe(true)
  })
  it('refuses an edge of the wrong length', () => {
    expect(() => new MerkleFrontier(3, [Buffer.alloc(32)])).toThrowWithCode('TLOG_RANGE_INVALID')
  })
})

describe('rangeNodes, foldHashes, parseHash', () => {
  it('splits ranges as RFC 9162 does and refuses unaligned ones', () => {
    expect(rangeNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ])
    expect(() => rangeNodes(1, 5)).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => rangeNodes(4, 4)).toThrowWithCode('TLOG_RANGE_INVALID')
    expect(() => foldHashes([])).toThrowWithCode('TLOG_RANGE_INVALID')
  })
  it('reads hex and base64 hashes and refuses anything else', () => {
    const h = rootAt(3)
    expect(parseHash(h.toString('hex')).equals(h)).toBe(true)
    expect(parseHash(h.toString('base64')).equals(h)).toBe(true)
    expect(() => parseHash('zz')).toThrowWithCode('TLOG_HASH_INVALID')
    expect(() => parseHash(h.toString('hex').toUpperCase())).toThrowWithCode('TLOG_HASH_INVALID')
  })
  it('reports a node the source does not hold as TLOG_HASH_MISSING', async () => {
    const small = MemoryMerkleTree.fromLeaves([leafOf(0)])
    await expect(proveInclusion(small, 0, 2)).rejects.toThrowWithCode('TLOG_HASH_MISSING')
  })
})
