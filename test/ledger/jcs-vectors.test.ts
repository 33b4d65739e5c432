import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { entryCanonicalText, GENESIS_PREV } from '../../src/ledger/index.js'
import { canonicalJson } from '../../src/shared/index.js'
import { jcsVectorsDir, jcsVectorsPresent } from './support.js'

describe('RFC 8785 test vectors', () => {
  it('are present in test/fixtures', () => {
    expect(jcsVectorsPresent, `expected vectors at ${jcsVectorsDir}`).toBe(true)
  })

  const names = jcsVectorsPresent
    ? readdirSync(join(jcsVectorsDir, 'input')).filter((n) => n.endsWith('.json'))
    : []
  it.each(names)('canonicalJson(%s) matches the expected bytes', (name) => {
    const input = JSON.parse(readFileSync(join(jcsVectorsDir, 'input', name), 'utf8')) as unknown
    const expected = readFileSync(join(jcsVectorsDir, 'output', name))
    expect(Buffer.from(canonicalJson(input), 'utf8').equals(expected)).toBe(true)
  })
})

describe('entryCanonicalText', () => {
  const bodies: Record<string, unknown>[] = [
    {},
    { decision_id: 'd1', nested: { z: 1, a: [1.5, 'é', null, true] } },
    { '\u20ac': 1, '\r': 2, ö: 3, '1': 4, '\ud83d\ude00': 'emoji' },
    { big: 1e21, small: 1e-7, neg: -0, text: 'line\nbreak\u001ftab' },
  ]
  it.each(bodies)('equals canonicalJson of the whole entry for body %#', (body) => {
    const entry = {
      v: 1 as const,
      chain: 'tenant-1',
      seq: 42,
      ts: '2026-11-23T19:40:01.123Z',
      type: 'decision',
      body,
      prev: GENESIS_PREV,
    }
    expect(entryCanonicalText(entry)).toBe(canonicalJson(entry))
  })
})
