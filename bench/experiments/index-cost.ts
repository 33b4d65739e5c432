// Experiment: PostgreSQL's per-row cost of a 256-row insert into the ledger table shape, with all of
// ledger_entries' indexes (three expressions over the json body, (type, ts), primary key) and with the
// primary key only, to show what bounds one chain's append rate.
import { sql } from 'kysely'
import { migrateToLatest, openDatabase } from '../../src/ledger/index.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { hashRow, sampleDecisionBody, toStoredRow } from '../lib/rows.js'
import { nowUs, summarise } from '../lib/stats.js'

const B = 256
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 2 })
try {
  await migrateToLatest(handle.db)
  const db = handle.db
  await sql`CREATE TABLE t_all (LIKE ledger_entries INCLUDING ALL)`.execute(db)
  await sql`CREATE TABLE t_pk (LIKE ledger_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db)
  await sql`ALTER TABLE t_pk ADD PRIMARY KEY (chain, seq)`.execute(db)
  await sql`CREATE TABLE t_pk_jsonb (chain text, seq bigint, ts text, type text, body jsonb, prev char(64), hash char(64), PRIMARY KEY (chain, seq))`.execute(
    db,
  )
  await sql`CREATE INDEX ON t_pk_jsonb ((body->>'decision_id'))`.execute(db)
  await sql`CREATE INDEX ON t_pk_jsonb ((body->>'event_id'))`.execute(db)
  await sql`CREATE INDEX ON t_pk_jsonb ((body->>'approval_id'))`.execute(db)
  await sql`CREATE INDEX ON t_pk_jsonb (type, ts)`.execute(db)
  let seq = 0
  for (let round = 0; round < 2; round++)
    for (const table of ['t_all', 't_pk', 't_pk_jsonb'] as const) {
      const times: number[] = []
      for (let k = 0; k < 30; k++) {
        const rows = Array.from({ length: B }, (_, i) => {
          seq++
          const u = {
            v: 1 as const,
            chain: 'x',
            seq,
            ts: new Date().toISOString(),
            type: 'decision',
            body: sampleDecisionBody(i),
            prev: '0'.repeat(64),
          }
          return toStoredRow(u, hashRow(u))
        })
        const t0 = nowUs()
        await db
          .insertInto(table as 'ledger_entries')
          .values(rows)
          .execute()
        times.push(nowUs() - t0)
      }
      const p50 = summarise(Float64Array.from(times.slice(3))).p50Us
      console.log(
        `${table.padEnd(11)} ${B}-row insert p50 ${(p50 / 1000).toFixed(1)} ms = ${(p50 / B).toFixed(1)} µs/row`,
      )
    }
} finally {
  await handle.close()
  await tdb.drop()
}
