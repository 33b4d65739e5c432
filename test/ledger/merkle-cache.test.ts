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
})
