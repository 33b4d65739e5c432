// Experiment: cost per entry of the CPU work an append does before it is queued, on the bench's
// decision body: `canonicalize` (the RFC 8785 library behind shared/canonicalJson), a hand-written
// RFC 8785 serialiser for plain JSON values, JSON.parse of the result, and SHA-256 of an entry.
import { createRequire } from 'node:module'
import { sha256Hex } from '../../src/shared/index.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { nowUs } from '../lib/stats.js'

const canonicalize = createRequire(import.meta.url)('canonicalize') as (v: unknown) => string

/** RFC 8785 for values JSON.parse can produce (plus undefined members dropped, like JSON.stringify). */
function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++)
      out += (i ? ',' : '') + (value[i] === undefined ? 'null' : jcs(value[i]))
    return `${out}]`
  }
  // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
  const keys = Object.keys(value).sort()
  let out = '{'
  let first = true
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k]
    if (v === undefined) continue
    out += `${first ? '' : ','}${JSON.stringify(k)}:${jcs(v)}`
    first = false
  }
  return `${out}}`
}

const bodies = Array.from({ length: 20_000 }, (_, i) => sampleDecisionBody(i))
for (const b of bodies.slice(0, 100))
  if (jcs(b) !== canonicalize(b)) throw new Error('jcs differs from canonicalize')
const time = (label: string, fn: (b: Record<string, unknown>) => unknown) => {
  for (let r = 0; r < 2; r++) {
    const t0 = nowUs()
    for (const b of bodies) fn(b)
    if (r === 1) console.log(`${label.padEnd(28)} ${((nowUs() - t0) / bodies.length).toFixed(2)} µs/entry`)
  }
}
time('canonicalize (library)', (b) => canonicalize(b))
time('hand-written RFC 8785', (b) => jcs(b))
const texts = bodies.map((b) => jcs(b))
let i = 0
time('JSON.parse(canonical text)', () => JSON.parse(texts[i++ % texts.length] as string))
time('sha256 of an entry', () => sha256Hex(texts[i++ % texts.length] as string))
