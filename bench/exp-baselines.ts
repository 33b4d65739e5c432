// Experiment: baseline throughput on PostgreSQL with a hand-made copy of the fixed schema.
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { createBaselineTables, createNaiveChain, createPlainInsert } from './baselines/naive-chain.js'
import { createThrowawayDatabase } from './lib/postgres.js'
import { closedLoop } from './lib/stats.js'

const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
// biome-ignore lint/suspicious/noExplicitAny: experiment
const db = new Kysely<any>({
  dialect: new PostgresDialect({
    pool: new pg.Pool({ connectionString: tdb.url, max: Number(process.env.POOL ?? 20) }),
  }),
})
try {
  await sql`CREATE TABLE ledger_entries (chain text, seq bigint, ts text, type text, body json, prev char(64), hash char(64), PRIMARY KEY (chain, seq))`.execute(
    db,
  )
  await sql`CREATE INDEX ON ledger_entries ((body->>'decision_id'))`.execute(db)
  await sql`CREATE INDEX ON ledger_entries ((body->>'event_id'))`.execute(db)
  await sql`CREATE INDEX ON ledger_entries ((body->>'approval_id'))`.execute(db)
  await sql`CREATE INDEX ON ledger_entries (type, ts)`.execute(db)
  await sql`CREATE TABLE ledger_heads (chain text primary key, seq bigint, hash char(64))`.execute(db)
  await createBaselineTables(db)
  const naive = createNaiveChain(db)
  const plain = createPlainInsert(db)
  await naive.append('c')
  for (const c of [1, 16, 256]) {
    const n = await closedLoop(c, 3000, 500, () => naive.append('c'))
    const p = await closedLoop(c, 3000, 500, () => plain.append('c'))
    console.log(c, 'naive', n.opsPerSec, n.errors, n.firstError ?? '', 'plain', p.opsPerSec, p.errors)
  }
} finally {
  await db.destroy()
  await tdb.drop()
}
