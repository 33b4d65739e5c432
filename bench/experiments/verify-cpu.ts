// Note: written before commit bebfe34, which gave the shipped verifier the stored-bytes fast path and
// prefetched pages; "shipped" now means the verifier as it is in the tree.
// Experiment: verifier CPU per entry with the database out of the picture (rows preloaded in memory).
//   A  the ledger's verifyEntries (zod row parse, JSON.parse, canonicalise, hash)
//   B  hash the stored body text as-is (it is the canonical text that was hashed), hand-written row
//      checks; parse + canonicalise only when the fast hash does not match
import { entryCanonicalText, verifyEntries } from '../../src/ledger/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import { hashRow, sampleDecisionBody } from '../lib/rows.js'
import { nowUs } from '../lib/stats.js'

const n = Number(process.argv[2] ?? '100000')
type Row = { chain: string; seq: string; ts: string; type: string; body: string; prev: string; hash: string }
const rows: Row[] = []
let prev = '0'.repeat(64)
for (let seq = 1; seq <= n; seq++) {
  const body = JSON.parse(canonicalJson(sampleDecisionBody(seq))) as Record<string, unknown>
  const u = {
    v: 1 as const,
    chain: 'v',
    seq,
    ts: new Date(1_790_000_000_000 + seq).toISOString(),
    type: 'decision',
    body,
    prev,
  }
  const hash = hashRow(u)
  rows.push({
    chain: 'v',
    seq: String(seq),
    ts: u.ts,
    type: 'decision',
    body: canonicalJson(body),
    prev,
    hash,
  })
  prev = hash
}
const HEX64 = /^[0-9a-f]{64}$/
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
function fast(): number {
  let expected = 1
  let p = '0'.repeat(64)
  for (const row of rows) {
    if (typeof row.body !== 'string' || !HEX64.test(row.hash) || !HEX64.test(row.prev) || !TS.test(row.ts))
      return -1
    const seq = Number(row.seq)
    if (seq !== expected || row.prev !== p) return -1
    const u = { v: 1 as const, chain: row.chain, seq, ts: row.ts, type: row.type, body: {}, prev: row.prev }
    let hash = sha256Hex(entryCanonicalText(u, row.body))
    if (hash !== row.hash) hash = sha256Hex(entryCanonicalText(u, canonicalJson(JSON.parse(row.body))))
    if (hash !== row.hash) return -1
    p = row.hash
    expected++
  }
  return expected - 1
}
for (let round = 0; round < 3; round++) {
  let t0 = nowUs()
  const a = await verifyEntries(rows, { chain: 'v' })
  const ta = (nowUs() - t0) / a.entries
  t0 = nowUs()
  const b = fast()
  const tb = (nowUs() - t0) / b
  console.log(
    `A shipped ${ta.toFixed(2)} µs/entry (${(1e6 / ta).toFixed(0)}/s, ok=${a.ok})   B fast path ${tb.toFixed(2)} µs/entry (${(1e6 / tb).toFixed(0)}/s, ok=${b === n})`,
  )
}
