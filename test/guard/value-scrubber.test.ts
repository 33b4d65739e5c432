import { describe, expect, it } from 'vitest'
import { markersIn, valuesMatchingMarkers } from '../../src/guard/marker-matches.js'
import { collectSensitiveValues, splitInputPointers } from '../../src/guard/sensitive-values.js'
import { chainScrubbers, createValueScrubber, REDACTED_TEXT } from '../../src/guard/value-scrubber.js'
import { redactArguments } from '../../src/ledger/index.js'

describe('createValueScrubber', () => {
  it('replaces every occurrence of every value, raw and JSON-escaped', () => {
    const s = createValueScrubber(['078-05-1120', 'line1\n"two"'])
    expect(s.scrub('got "078-05-1120" and 078-05-1120.')).toBe('got "[redacted]" and [redacted].')
    expect(s.scrub(JSON.stringify({ v: 'line1\n"two"' }))).toBe('{"v":"[redacted]"}')
    expect(s.scrub('nothing here')).toBe('nothing here')
  })

  it('replaces the Go/OPA spelling of <, > and & too', () => {
    expect(createValueScrubber(['<a&b>']).scrub('got "\\u003ca\\u0026b\\u003e"')).toBe('got "[redacted]"')
  })

  it('merges overlapping and adjacent matches into one marker, whatever their order', () => {
    const s = createValueScrubber(['abcd', 'cdef', 'bcdefgh', 'ghij'])
    expect(s.scrub('xabcdefghijy')).toBe(`x${REDACTED_TEXT}y`)
    expect(s.scrub('abcdabcd-ghij')).toBe(`${REDACTED_TEXT}-${REDACTED_TEXT}`)
  })

  it('follows failure links: a value inside a longer near-miss is still found', () => {
    const s = createValueScrubber(['aaab', 'abcd'])
    expect(s.scrub('aaaabcd')).toBe(`a${REDACTED_TEXT}`)
    expect(s.scrub('aaaaab')).toBe(`aa${REDACTED_TEXT}`)
  })

  it('replaces short values only as whole strings', () => {
    const s = createValueScrubber(['12', ''])
    expect(s.scrub('12')).toBe(REDACTED_TEXT)
    expect(s.scrub('transfer of 12 USD')).toBe('transfer of 12 USD')
    expect(s.empty).toBe(false)
    expect(createValueScrubber(['']).empty).toBe(true)
    expect(createValueScrubber(['12'], { minLength: 1 }).scrub('transfer of 12 USD')).toBe(
      'transfer of [redacted] USD',
    )
  })

  it('never shows its values when serialised', () => {
    const s = createValueScrubber(['AKIAIOSFODNN7EXAMPLE'])
    expect(JSON.stringify({ s })).toBe('{"s":{}}')
  })

  it('chains scrubbers, skipping empty ones', () => {
    const chained = chainScrubbers([
      createValueScrubber(['abcd']),
      createValueScrubber([]),
      createValueScrubber(['wxyz']),
    ])
    expect(chained.scrub('abcd wxyz')).toBe('[redacted] [redacted]')
    expect(chainScrubbers([createValueScrubber([])]).empty).toBe(true)
  })

  it('scans in time linear in the text, however the values overlap', () => {
    const values = Array.from({ length: 200 }, (_, i) => 'a'.repeat(i + 4))
    const s = createValueScrubber(values)
    expect(s.scrub(`${'a'.repeat(100_000)}b`)).toBe(`${REDACTED_TEXT}b`)
  })
})

describe('collectSensitiveValues', () => {
  it('takes strings, numbers and every leaf below a container, once', () => {
    const root = { a: { iban: 'DE89', n: 4401778812, f: true, z: null, list: ['x1', ['x2']] }, b: 'DE89' }
    expect(collectSensitiveValues(root, ['/a', '/b', '/missing', 'bad']).sort()).toEqual(
      ['4401778812', 'DE89', 'x1', 'x2'].sort(),
    )
    expect(collectSensitiveValues(undefined, ['/a'])).toEqual([])
  })
})

describe('splitInputPointers', () => {
  it('rebases pointers into arguments and context and keeps the rest', () => {
    expect(
      splitInputPointers(['/arguments/iban', '/arguments', '/context/a~1b', '/principal/id', '/contextx']),
    ).toEqual({
      arguments: ['/iban', ''],
      context: ['/a~1b'],
      identity: ['/principal/id', '/contextx'],
    })
  })
})

describe('valuesMatchingMarkers', () => {
  const key = 'unit-key'
  const stored = redactArguments(
    { patient_id: 'P-77812', name: 'Jane Q. Public', account: 4401778812 },
    ['/patient_id', '/name', '/account'],
    key,
  )
  const markers = markersIn({ input: { arguments: stored }, other: [{ redacted: 'not a marker' }] })

  it('finds markers anywhere in a body and ignores look-alikes', () => {
    expect(markers.size).toBe(3)
    expect(markersIn(null).size).toBe(0)
  })

  it('recognises redacted values among the words of a text', () => {
    const text = 'patient P-77812: "Jane Q. Public" (account 4401778812.) is unknown'
    expect(valuesMatchingMarkers(text, markers, key).sort()).toEqual([
      '4401778812',
      'Jane Q. Public',
      'P-77812',
    ])
    expect(valuesMatchingMarkers(text, markers, 'other-key')).toEqual([])
    expect(valuesMatchingMarkers(text, new Set(), key)).toEqual([])
  })
})
