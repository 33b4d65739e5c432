import { describe, expect, it } from 'vitest'
import { assertChainId, canonicalBody, GENESIS_PREV, hashEntry, linkEntry } from '../../src/ledger/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'

const ts = '2026-11-23T19:40:01.123Z'

describe('linkEntry', () => {
  it('hashes the canonical form of the entry without hash (golden)', () => {
    const entry = linkEntry({
      chain: 'default',
      seq: 1,
      ts,
      type: 'decision',
      body: { b: 2, a: 1 },
      prev: GENESIS_PREV,
    })
    const { hash, ...unhashed } = entry
    expect(hash).toBe(sha256Hex(canonicalJson(unhashed)))
    // Pinned: a change to the hashing shows up in review.
    expect(hash).toBe('2073e23add947f449f8b3e2b3eaf051722908d88e0fa9718cfcf48e18432cb88')
  })

  it('links each entry to the previous hash', () => {
    const first = linkEntry({ chain: 'c', seq: 1, ts, type: 't', body: {}, prev: GENESIS_PREV })
    const second = linkEntry({ chain: 'c', seq: 2, ts, type: 't', body: {}, prev: first.hash })
    expect(second.prev).toBe(first.hash)
    expect(second.hash).not.toBe(first.hash)
    expect(hashEntry({ v: 1, chain: 'c', seq: 2, ts, type: 't', body: {}, prev: first.hash })).toBe(
      second.hash,
    )
  })
})

describe('canonicalBody', () => {
  it.each([[null], [[1, 2]], ['text'], [42]])('rejects %j with LEDGER_BODY_INVALID', (body) => {
    expect(() => canonicalBody(body)).toThrowWithCode('LEDGER_BODY_INVALID')
  })
  it('rejects NaN and Infinity inside the body', () => {
    expect(() => canonicalBody({ x: Number.NaN })).toThrowWithCode('LEDGER_BODY_INVALID')
    expect(() => canonicalBody({ x: Number.POSITIVE_INFINITY })).toThrowWithCode('LEDGER_BODY_INVALID')
  })
})

describe('assertChainId', () => {
  it.each(['', '../etc', 'a/b', 'x'.repeat(200), ' lead'])('rejects %j', (chain) => {
    expect(() => assertChainId(chain)).toThrowWithCode('LEDGER_REQUEST_INVALID')
  })
  it('accepts tenant ids', () => {
    expect(() => assertChainId('tenant-42.eu_1')).not.toThrow()
  })
})
