// Experiment: how fast verification can go, and what each change buys. Generates one chain, then
//   A  the ledger's verifyEntries over store.rows (as shipped)
//   B  the same loop hashing the stored body text as-is (it is the canonical text that was hashed;
//      a match proves the bytes), falling back to parse + canonicalise only on a mismatch
//   C  B plus page prefetch (the next page is requested while this one is checked) and 5000-row pages
import { sql } from 'kysely'
import { entryCanonicalText } from '../src/ledger/chain.js'
import { createLedger } from '../src/ledger/create-ledger.js'
import { openDatabase } from '../src/ledger/database.js'
import { migrateToLatest } from '../src/ledger/migrations.js'
import { verifyEntries } from '../src/ledger/verify.js'
import { canonicalJson, sha256Hex } from '../src/shared/index.js'
import { generateChain } from './lib/generate-chain.js'
import { createThrowawayDatabase } from './lib/postgres.js'
import { nowUs } from './lib/stats.js'

const n = Number(process.argv[2] ?? '200000')
const HEX64 = /^[0-9a-f]{64}$/
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
type Row = { chain: string; seq: string; ts: string; type: string; body: string; prev: string; hash: string }

function fastCheck(rows: Iterable<Row>, state: { expected: number; prev: string; ok: boolean }): void {
  for (const row of rows) {
    if (!state.ok) return
    if (typeof row.body !== 'string' || !HEX64.test(row.hash) || !HEX64.test(row.prev) || !TS.test(row.ts)) {
      state.ok = false
      return
    }
    const seq = Number(row.seq)
    if (seq !== state.expected || row.prev !== state.prev) {
      state.ok = false
      return
    }
    const unhashed = {
      v: 1 as const,
      chain: row.chain,
      seq,
      ts: row.ts,
      type: row.type,
      body: {},
      prev: row.prev,
    }
    let hash = sha256Hex(entryCanonicalText(unhashed, row.body))
    if (hash !== row.hash) hash = sha256Hex(entryCanonicalText(unhashed, canonicalJson(JSON.parse(row.body))))
    if (hash !== row.hash) {
      state.ok = false
      return
    }
    state.prev = row.hash
    state.expected++
  }
}

const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
try {
  const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 })
  await migrateToLatest(handle.db)
  await generateChain(handle.db, 'v', n)
  const db = handle.db
  const page = (after: number, size: number) =>
    db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
      .where('chain', '=', 'v')
      .where('seq', '>', String(after))
      .where('seq', '<=', String(Number.MAX_SAFE_INTEGER))
      .orderBy('seq')
      .limit(size)
      .execute() as Promise<Row[]>
  for (let round = 0; round < 2; round++) {
    let t0 = nowUs()
    const a = await verifyEntries(createLedger(db).rows('v'), { chain: 'v' })
    console.log(`A shipped        ok=${a.ok} ${(a.entries / ((nowUs() - t0) / 1e6)).toFixed(0)}/s`)
    for (const [label, size, prefetch] of [
      ['B text fast path', 1000, false],
      ['B2 fast, page 5000', 5000, false],
      ['C + prefetch 1000', 1000, true],
      ['C + prefetch 5000', 5000, true],
    ] as const) {
      t0 = nowUs()
      const state = { expected: 1, prev: '0'.repeat(64), ok: true }
      let after = 0
      let next = page(after, size)
      for (;;) {
        const rows = await next
        if (rows.length === 0) break
        after = Number(rows[rows.length - 1]!.seq)
        if (prefetch) next = page(after, size)
        fastCheck(rows, state)
        if (!prefetch) next = page(after, size)
        if (rows.length < size) break
      }
      const count = state.expected - 1
      console.log(`${label} ok=${state.ok && count === n} ${(count / ((nowUs() - t0) / 1e6)).toFixed(0)}/s`)
    }
  }
  await handle.close()
} finally {
  await tdb.drop()
}
