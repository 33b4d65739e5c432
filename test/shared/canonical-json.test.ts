import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/shared/index.js'

// The RFC 8785 library canonicalJson used to delegate to: on every value both accept, the bytes agree.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string

function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { [`k${i}`]: value, a: i }
  return value
}

describe('canonicalJson', () => {
  it.each([
    [
      'members sorted by UTF-16 code units',
      { '\u20ac': 1, '\r': 2, ö: 3, '1': 4, '\ud83d\ude00': 5, a: { z: 0, b: [] } },
    ],
    ['number forms', [0, -0, 1.5, -1e-7, 1e21, 123456789012345680000, 5e-324, 0.1 + 0.2, 2 ** 53]],
    ['escapes', 'quote " backslash \\ tab \t newline \n bell \u0007 del \u007f line sep \u2028'],
    ['undefined members dropped, undefined items null', { a: undefined, b: [undefined, 1] }],
    ['toJSON applied', { at: new Date(0), custom: { toJSON: () => ({ z: 1, a: 2 }) } }],
    ['empty containers', { a: {}, b: [], c: [{}, [[]]] }],
    ['moderately deep', nested(500)],
  ])('agrees with the reference library on %s', (_what, value) => {
    expect(canonicalJson(value)).toBe(canonicalize(value))
  })

  it('serialises any depth without recursion', () => {
    const text = canonicalJson(nested(100_000))
    expect(text.startsWith('[{"a":99998,"k99998":[{"a":99996,')).toBe(true)
    expect(text).toContain('{"a":0,"k0":"leaf"}]}')
    expect(text.endsWith('}]'.repeat(50_000))).toBe(true)
    // V8's JSON.parse is iterative too: the text round-trips to itself.
    expect(canonicalJson(JSON.parse(text))).toBe(text)
  })

  it('repeats a shared (not cyclic) value', () => {
    const shared = { x: 1 }
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}')
  })

  const cycle: Record<string, unknown> = { a: [1] }
  ;(cycle.a as unknown[]).push(cycle)
  let deepCycle: Record<string, unknown> = {}
  const bottom = deepCycle
  for (let i = 0; i < 200; i++) deepCycle = { next: deepCycle }
  bottom.back = deepCycle
  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a BigInt', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['undefined at the top', undefined],
    ['a cycle', cycle],
    ['a cycle 200 levels down', deepCycle],
  ])('refuses %s with CANONICAL_JSON_INVALID', (_what, value) => {
    expect(() => canonicalJson(value)).toThrowWithCode('CANONICAL_JSON_INVALID')
  })
})
