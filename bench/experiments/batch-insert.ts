// Experiment: cost of one 256-entry group commit on PostgreSQL, split by step, for two insert shapes:
// Kysely multi-row VALUES (7 bind parameters per row) and one INSERT … SELECT FROM unnest(7 arrays).
import { sql } from 'kysely'
import { linkEntry, migrateToLatest, openDatabase } from '../../src/ledger/index.js'
import { canonicalJson } from '../../src/shared/index.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { nowUs, summarise } from '../lib/stats.js'

const B = Number(process.argv[2] ?? '256')
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 })
try {
  await migrateToLatest(handle.db)
  const db = handle.db
  let seq = 0
  let prev = '0'.repeat(64)
  const makeBatch = () => {
    const t0 = nowUs()
    const rows = Array.from({ length: B }, (_, i) => {
      const bodyText = canonicalJson(sampleDecisionBody(i))
      const body = JSON.parse(bodyText)
      seq++
      const e = linkEntry(
        { chain: 'x', seq, ts: new Date().toISOString(), type: 'decision', body, prev },
        bodyText,
      )
      prev = e.hash
      return { chain: 'x', seq: e.seq, ts: e.ts, type: e.type, body: bodyText, prev: e.prev, hash: e.hash }
    })
    return { rows, us: nowUs() - t0 }
  }
  await db.insertInto('ledger_heads').values({ chain: 'x', seq: 0, hash: prev }).execute()
  for (const shape of ['values', 'unnest', 'values', 'unnest'] as const) {
    const prep: number[] = []
    const ins: number[] = []
    const tx: number[] = []
    for (let k = 0; k < 40; k++) {
      const { rows, us } = makeBatch()
      prep.push(us)
      const t0 = nowUs()
      let t2 = 0
      await db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('ledger_heads')
          .select(['seq', 'hash'])
          .where('chain', '=', 'x')
          .forUpdate()
          .executeTakeFirstOrThrow()
        const t1 = nowUs()
        if (shape === 'values') await trx.insertInto('ledger_entries').values(rows).execute()
        else
          await sql`INSERT INTO ledger_entries (chain, seq, ts, type, body, prev, hash)
            SELECT 'x', s, t, 'decision', b::json, p, h FROM unnest(${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.ts)}::text[],
            ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.prev)}::text[], ${rows.map((r) => r.hash)}::text[]) AS u(s, t, b, p, h)`.execute(
            trx,
          )
        t2 = nowUs()
        ins.push(t2 - t1)
        const last = rows[rows.length - 1]!
        await trx
          .updateTable('ledger_heads')
          .set({ seq: last.seq, hash: last.hash })
          .where('chain', '=', 'x')
          .execute()
      })
      tx.push(nowUs() - t0)
    }
    const p = (a: number[]) =>
      summarise(Float64Array.from(a.slice(5)))
        .p50Us.toFixed(0)
        .padStart(6)
    console.log(
      `${shape.padEnd(7)} B=${B}: prepare+hash ${p(prep)} µs, insert ${p(ins)} µs, whole txn ${p(tx)} µs (p50)`,
    )
  }
} finally {
  await handle.close()
  await tdb.drop()
}
