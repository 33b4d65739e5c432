import { describe, expect, it } from 'vitest'
import {
  assertAdmissibleJson,
  DEFAULT_ARGUMENT_LIMITS,
  findJsonProblem,
  type JsonLimits,
} from '../../src/shared/index.js'

const limits: JsonLimits = { maxDepth: 4, maxNodes: 50 }

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

describe('findJsonProblem', () => {
  it('accepts plain JSON within the limits', () => {
    expect(findJsonProblem({ a: [1, 'x', true, null, { b: 2.5 }] }, limits)).toBeNull()
    expect(findJsonProblem(nested(4), limits)).toBeNull()
  })

  it.each([
    ['max_depth', nested(5), '/0/0/0/0'],
    ['max_nodes', { a: Array.from({ length: 60 }, (_, i) => i) }, '/a'],
    ['lone_surrogate', { a: ['ok', 'x\udc00'] }, '/a/1'],
    ['lone_surrogate', { a: '\ud800' }, '/a'],
    ['nul_character', { deep: { s: 'a\u0000b' } }, '/deep/s'],
    ['unsafe_integer', { n: 2 ** 53 }, '/n'],
    ['unsafe_integer', { n: -(2 ** 60) }, '/n'],
    // Past 2^53 every double is integral: a huge float cannot be told from an integer that lost digits.
    ['unsafe_integer', { n: 1.5e300 }, '/n'],
    ['not_json', { n: Number.NaN }, '/n'],
    ['not_json', { f: () => 1 }, '/f'],
    ['not_json', { d: new Date(0) }, '/d'],
    ['not_json', { b: 10n }, '/b'],
  ])('reports %s at the offending path', (kind, value, path) => {
    expect(findJsonProblem(value, limits)).toMatchObject({ kind, path })
  })

  it('checks member names as well as values', () => {
    expect(findJsonProblem({ 'k\u0000': 1 }, limits)).toMatchObject({
      kind: 'nul_character',
      path: '/k\u0000',
    })
    expect(findJsonProblem({ 'a/b~': '\udfff' }, limits)).toMatchObject({ path: '/a~1b~0' })
  })

  it('accepts paired surrogates (emoji) and safe integers at the edge', () => {
    expect(findJsonProblem({ s: '😀', n: Number.MAX_SAFE_INTEGER, m: 1.5, e: 1e-300 }, limits)).toBeNull()
  })

  it('ends on a cycle instead of looping', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(findJsonProblem(cyclic, limits)?.kind).toBe('max_depth')
  })

  it('does not overflow the stack on hostile depth (iterative)', () => {
    expect(findJsonProblem(nested(200_000), DEFAULT_ARGUMENT_LIMITS)?.kind).toBe('max_depth')
  })
})

describe('assertAdmissibleJson', () => {
  it('throws VALIDATION_FAILED naming the limit and the path', () => {
    expect(() => assertAdmissibleJson({ a: nested(10) }, limits, 'arguments')).toThrowWithCode(
      'VALIDATION_FAILED',
    )
    try {
      assertAdmissibleJson({ a: nested(10) }, limits, 'arguments')
    } catch (error) {
      expect(String((error as Error).message)).toContain('max_depth')
      expect((error as { issues: { path: string }[] }).issues[0]!.path).toBe('arguments/a/0/0/0')
    }
  })
})
