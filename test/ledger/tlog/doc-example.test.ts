import { describe, expect, it } from 'vitest'
import {
  entryLeafBytes,
  GENESIS_PREV,
  leafHash,
  linkEntry,
  MemoryMerkleTree,
  nodeHash,
  proveInclusion,
} from '../../../src/ledger/index.js'

// Pins the worked example of docs/ledger-format.md ("Merkle tree"): change one, change both.
describe('the Merkle worked example in docs/ledger-format.md', () => {
  it('has the leaf hashes, interior hash, root and proof the document prints', async () => {
    const e1 = linkEntry({
      chain: 'default',
      seq: 1,
      ts: '2026-11-28T00:00:00.000Z',
      type: 'note',
      body: { n: 1 },
      prev: GENESIS_PREV,
    })
    const e2 = linkEntry({
      chain: 'default',
      seq: 2,
      ts: '2026-11-28T00:00:01.000Z',
      type: 'note',
      body: { n: 2 },
      prev: e1.hash,
    })
    const e3 = linkEntry({
      chain: 'default',
      seq: 3,
      ts: '2026-11-28T00:00:02.000Z',
      type: 'note',
      body: { n: 3 },
      prev: e2.hash,
    })
    const leaves = [e1, e2, e3].map((e) => entryLeafBytes(e))
    expect(leaves[0]!.toString()).toBe(
      '{"body":{"n":1},"chain":"default","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"ts":"2026-11-28T00:00:00.000Z","type":"note","v":1}',
    )
    expect(e1.hash).toBe('805b639f440ed4bae3ec5017cbf788a5e482d2700d1744034372b75ebb19549b')
    const h = leaves.map(leafHash)
    expect(h.map((x) => x.toString('hex'))).toEqual([
      '8966729ce780fd4b9e0878a72f4714563bf452b43ae1cfdd795b2321067a16e1',
      '4ce5ded97d067c0b61abab0e10339c9ee7d0f3c138d95a83737c639ee442624e',
      'd02446d7df12873ced03a157445711d45a705ef6b37510fde5ad37e9dd22ac0c',
    ])
    expect(nodeHash(h[0]!, h[1]!).toString('hex')).toBe(
      'cb45ff18b41d64d0c25f53b60eb46f1a0bafa7659776cdb59048f475756d357f',
    )
    const tree = MemoryMerkleTree.fromLeaves(leaves)
    expect(tree.root().toString('hex')).toBe(
      'd1cb9f09c2e23f6d03ca24b77c27c0f6b9ed17d0cde71c002b3ecddf2a02c166',
    )
    expect(tree.root().toString('base64')).toBe('0cufCcLiP20DyiS3fCfA9rntF9DN5xwAKz7N3yoCwWY=')
    expect((await proveInclusion(tree, 2, 3)).map((x) => x.toString('hex'))).toEqual([
      'cb45ff18b41d64d0c25f53b60eb46f1a0bafa7659776cdb59048f475756d357f',
    ])
  })
})
