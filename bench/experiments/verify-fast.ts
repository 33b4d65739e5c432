// Note: written before commit bebfe34, which gave the shipped verifier the stored-bytes fast path and
// prefetched pages; "shipped" now means the verifier as it is in the tree.
// Experiment: the verifier changes recommended in BENCHMARKS.md, measured end to end (database read
// included) against the shipped verifyChain on the same chain, same process, alternating.
//   fast = hand-written row checks (no zod per row), hash the stored body text as-is and fall back to
//          parse + canonicalise only on a mismatch, 5000-row pages with the next page prefetched.
// Usage: npx tsx bench/experiments/verify-fast.ts [entries]            (both, alternating, then drop)
//        npx tsx bench/experiments/verify-fast.ts [entries] --keep     (generate, print the url, keep it)
//        npx tsx bench/experiments/verify-fast.ts 0 --url URL --mode shipped|recommended
// The last form runs one verifier alone and prints its RSS before and peak after (under tsx, so compare
// the two modes with each other, not with the benchmark's bare-Node figures).
import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import {
  createLedger,
  entryCanonicalText,
  GENESIS_PREV,
  migrateToLatest,
  openDatabase,
  verifyChain,
} from '../../src/ledger/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import { generateChain } from '../lib/generate-chain.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { nowUs } from '../lib/stats.js'

const n = Number(process.argv[2] ?? '200000')
const PAGE = 5000
const HEX64 = /^[0-9a-f]{64}$/
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
type Row = { chain: string; seq: string; ts: string; type: string; body: string; prev: string; hash: string }

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const givenUrl = arg('--url')
const mode = arg('--mode')
const keep = process.argv.includes('--keep')
const tdb = givenUrl ? null : await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
const handle = await openDatabase({ databaseUrl: givenUrl ?? tdb?.url, poolSize: 4 })
try {
  if (!givenUrl) {
    await migrateToLatest(handle.db)
    await generateChain(handle.db, 'v', n)
    await sql`ANALYZE ledger_entries`.execute(handle.db)
  }
  if (keep) {
    console.log(tdb?.url)
    process.exit(0)
  }
  const db = handle.db
  const page = (after: number) =>
    db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
      .where('chain', '=', 'v')
      .where('seq', '>', String(after))
      .where('seq', '<=', String(Number.MAX_SAFE_INTEGER))
      .orderBy('seq')
      .limit(PAGE)
      .execute() as Promise<Row[]>
  async function* rows(): AsyncIterable<Row> {
    let next = page(0)
    for (;;) {
      const got = await next
      const last = got[got.length - 1]
      if (last && got.length === PAGE) next = page(Number(last.seq))
      for (const row of got) yield row
      if (!last || got.length < PAGE) return
    }
  }
  const fast = async (): Promise<number> => {
    let expected = 1
    let prev = GENESIS_PREV
    for await (const row of rows()) {
      const seq = Number(row.seq)
      if (typeof row.body !== 'string' || !HEX64.test(row.hash) || !HEX64.test(row.prev) || !TS.test(row.ts))
        return -1
      if (row.chain !== 'v' || seq !== expected || row.prev !== prev) return -1
      const envelope = {
        v: 1 as const,
        chain: row.chain,
        seq,
        ts: row.ts,
        type: row.type,
        body: {},
        prev: row.prev,
      }
      let hash = sha256Hex(entryCanonicalText(envelope, row.body))
      if (hash !== row.hash)
        hash = sha256Hex(entryCanonicalText(envelope, canonicalJson(JSON.parse(row.body))))
      if (hash !== row.hash) return -1
      prev = row.hash
      expected++
    }
    return expected - 1
  }
  const ledger = createLedger(db)
  if (mode) {
    const rss = (k: string) =>
      Number(/(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8').split(`${k}:`)[1] ?? '')?.[1]) / 1000
    const before = rss('VmRSS')
    const t0 = nowUs()
    const count = mode === 'shipped' ? (await verifyChain(ledger, 'v')).entries : await fast()
    const rate = count / ((nowUs() - t0) / 1e6)
    console.log(
      `${mode}: ${count} entries ${rate.toFixed(0)}/s; RSS before ${before.toFixed(0)} MB, peak ${rss('VmHWM').toFixed(0)} MB`,
    )
    process.exit(0)
  }
  const readOnly = async () => {
    let k = 0
    for await (const _ of rows()) k++
    return k
  }
  for (let round = 0; round < 2; round++) {
    const t = nowUs()
    const k = await readOnly()
    console.log(`read only (5000-row pages, prefetch) ${(k / ((nowUs() - t) / 1e6)).toFixed(0)}/s`)
    let t0 = nowUs()
    const report = await verifyChain(ledger, 'v')
    const shipped = report.entries / ((nowUs() - t0) / 1e6)
    t0 = nowUs()
    const count = await fast()
    const quick = count / ((nowUs() - t0) / 1e6)
    console.log(
      `shipped verifyChain ${shipped.toFixed(0)}/s (ok=${report.ok})   recommended ${quick.toFixed(0)}/s (ok=${count === n})   ×${(quick / shipped).toFixed(1)}`,
    )
  }
} finally {
  await handle.close()
  await tdb?.drop()
}
