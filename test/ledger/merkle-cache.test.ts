import { describe, expect, it } from 'vitest'
import { MerkleNodeCache } from '../../src/ledger/merkle-cache.js'

describe('the reader cache of upper Merkle nodes', () => {
  const h = (n: number) => Buffer.alloc(32, n)

  it('keeps nodes at its levels only, per chain', () => {
    const cache = new MerkleNodeCache(10, 8)
    cache.set('a', { level: 7, index: 0 }, h(1))
    cache.set('a', { level: 8, index: 0 }, h(2))
    expect(cache.get('a', { level: 7, index: 0 })).toBeUndefined()
    expect(cache.get('a', { level: 8, index: 0 })).toEqual(h(2))
    expect(cache.get('b', { level: 8, index: 0 })).toBeUndefined()
  })

  it('never holds more than its bound (a hostile run of proofs cannot grow it)', () => {
    const cache = new MerkleNodeCache(100, 0)
    for (let i = 0; i < 1000; i += 1) cache.set('a', { level: 9, index: i }, h(i % 256))
    expect(cache.size).toBeLessThanOrEqual(100)
    expect(cache.get('a', { level: 9, index: 999 })).toEqual(h(999 % 256))
  })

  it('tells apart every level and index, and bounds all chains together', () => {
    const cache = new MerkleNodeCache(1000, 8)
    for (let level = 8; level < 64; level += 1)
      for (let index = 0; index < 4; index += 1) cache.set('a', { level, index }, h(level * 4 + index))
    for (let level = 8; level < 64; level += 1)
      for (let index = 0; index < 4; index += 1)
        expect(cache.get('a', { level, index })).toEqual(h((level * 4 + index) % 256))
    const bounded = new MerkleNodeCache(10, 8)
    for (let c = 0; c < 50; c += 1) bounded.set(`chain-${c}`, { level: 8, index: 0 }, h(c))
    expect(bounded.size).toBeLessThanOrEqual(10)
    // An index no real chain reaches is not kept (its number would not be exact).
    bounded.set('a', { level: 8, index: 2 ** 50 }, h(1))
    expect(bounded.get('a', { level: 8, index: 2 ** 50 })).toBeUndefined()
  })
})
