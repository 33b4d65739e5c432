import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { redactArguments, redactionMatches } from '../../src/ledger/index.js'

const key = 'k'.repeat(32)
const args = {
  card: { number: '4111111111111111', cvv: 123 },
  items: [{ sku: 'a' }, { sku: 'b' }],
  'a/b': { '~x': 1 },
}

describe('redactArguments', () => {
  it('replaces each pointer target with an HMAC marker over its canonical JSON and leaves the input alone', () => {
    const before = structuredClone(args)
    const out = redactArguments(args, ['/card/number', '/items/1', '/a~1b/~0x'], key)
    expect(args).toEqual(before)
    const expected = createHmac('sha256', key).update('"4111111111111111"').digest('hex')
    expect(out.card.number).toEqual({ redacted: `hmac-sha256:${expected}` })
    expect(out.card.cvv).toBe(123)
    expect(out.items[0]).toEqual({ sku: 'a' })
    expect(out.items[1]).toEqual({
      redacted: `hmac-sha256:${createHmac('sha256', key).update('{"sku":"b"}').digest('hex')}`,
    })
    expect((out['a/b'] as Record<string, unknown>)['~x']).toMatchObject({
      redacted: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/),
    })
    expect(JSON.stringify(out)).not.toContain('4111111111111111')
  })

  it('ignores paths that do not exist or are not pointers', () => {
    const out = redactArguments(
      args,
      ['/card/missing', '/items/7', '/items/01', '/card/number/deeper', 'card', '/nope/x'],
      key,
    )
    expect(out).toEqual(args)
  })

  it('redacts the whole document for the empty pointer', () => {
    expect(redactArguments({ a: 1 }, [''], key)).toEqual({ redacted: expect.stringMatching(/^hmac-sha256:/) })
  })

  it('gives the same marker for equal values whatever their key order, and differs per key', () => {
    const a = redactArguments({ v: { x: 1, y: 2 } }, ['/v'], key)
    const b = redactArguments({ v: { y: 2, x: 1 } }, ['/v'], key)
    const c = redactArguments({ v: { y: 2, x: 1 } }, ['/v'], 'another-key-of-length')
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
  })

  it('rejects an empty key and non-JSON arguments', () => {
    expect(() => redactArguments({ a: 1 }, ['/a'], '')).toThrowWithCode('LEDGER_KEY_INVALID')
    expect(() => redactArguments({ a: Number.NaN }, [], key)).toThrowWithCode('LEDGER_BODY_INVALID')
  })
})

describe('redactionMatches', () => {
  const marker = redactArguments({ v: { b: [1, 'x'] } }, ['/v'], key).v

  it('confirms the original value and nothing else', () => {
    expect(redactionMatches({ b: [1, 'x'] }, marker, key)).toBe(true)
    expect(redactionMatches({ b: [1, 'y'] }, marker, key)).toBe(false)
    expect(redactionMatches({ b: [1, 'x'] }, marker, 'wrong-key-wrong-key')).toBe(false)
  })

  it.each([[null], ['hmac-sha256:00'], [{ redacted: 'sha1:abc' }], [{ redacted: 42 }], [[1]]])(
    'returns false for a malformed marker %j',
    (bad) => {
      expect(redactionMatches('x', bad, key)).toBe(false)
    },
  )
})
