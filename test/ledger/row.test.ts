import { describe, expect, it } from 'vitest'
import { entryRowSchema, parseStoredRow } from '../../src/ledger/row.js'

const valid = {
  chain: 'c',
  seq: '12',
  ts: '2026-11-23T19:40:01.123Z',
  type: 'decision',
  body: '{"a":1}',
  prev: 'a'.repeat(64),
  hash: 'b'.repeat(64),
}

const variants: Array<[string, unknown]> = [
  ['a valid row (seq as text)', valid],
  ['a valid row (seq as number)', { ...valid, seq: 12 }],
  ['seq 0', { ...valid, seq: '0' }],
  ['seq negative', { ...valid, seq: -3 }],
  ['seq fractional', { ...valid, seq: 1.5 }],
  ['seq not a number', { ...valid, seq: '1e3' }],
  ['seq beyond safe integers', { ...valid, seq: '9007199254740993' }],
  ['empty chain', { ...valid, chain: '' }],
  ['ts without milliseconds', { ...valid, ts: '2026-11-23T19:40:01Z' }],
  ['empty type', { ...valid, type: '' }],
  ['body not text', { ...valid, body: 5 }],
  ['prev uppercase', { ...valid, prev: 'A'.repeat(64) }],
  ['hash too short', { ...valid, hash: 'b'.repeat(63) }],
  ['missing hash', { ...valid, hash: undefined }],
  ['not an object', 'row'],
  ['null', null],
]

describe('parseStoredRow', () => {
  it.each(variants)('agrees with entryRowSchema on %s', (_name, raw) => {
    const fast = parseStoredRow(raw)
    const schema = entryRowSchema.safeParse(raw)
    expect(fast !== null).toBe(schema.success)
    if (schema.success) expect(fast).toEqual(schema.data)
  })
})
