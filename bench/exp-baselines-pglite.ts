// Experiment: baseline throughput on PGlite with a hand-made copy of the fixed schema.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, sql } from 'kysely'
import { createBaselineTables, createNaiveChain, createPlainInsert } from './baselines/naive-chain.js'
import { closedLoop } from './lib/stats.js'

const dir = mkdtempSync(join(tmpdir(), 'bench-exp-'))
const pglite = new PGlite(dir)
// biome-ignore lint/suspicious/noExplicitAny: experiment
const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) })
try {
  await sql`CREATE TABLE ledger_entries (chain text, seq bigint, ts text, type text, body json, prev char(64), hash char(64), PRIMARY KEY (chain, seq))`.execute(
    db,
  )
  await sql`CREATE INDEX ON ledger_entries ((body->>'decision_id'))`.execute(db)
  await sql`CREATE TABLE ledger_heads (chain text primary key, seq bigint, hash char(64))`.execute(db)
  await createBaselineTables(db)
  const naive = createNaiveChain(db)
  const plain = createPlainInsert(db)
  await naive.append('c')
  for (const c of [1, 16, 256]) {
    const n = await closedLoop(c, 2000, 300, () => naive.append('c'))
    const p = await closedLoop(c, 2000, 300, () => plain.append('c'))
    console.log(
      c,
      'naive',
      n.opsPerSec,
      n.errors,
      n.firstError ?? '',
      'plain',
      p.opsPerSec,
      p.errors,
      p.firstError ?? '',
    )
  }
} finally {
  await db.destroy()
  rmSync(dir, { recursive: true, force: true })
}
