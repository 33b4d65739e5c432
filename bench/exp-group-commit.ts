// Experiment: what a group-committed hash-chain append can reach on this machine, to size the
// target (≥ 20× naive at c=256). One writer loop per chain: drain the queue, lock the head, hash the
// batch in Node, one multi-row INSERT (unnest), move the head, COMMIT, resolve every waiter.
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { createBaselineTables, createNaiveChain, createPlainInsert } from './baselines/naive-chain.js'
import { createThrowawayDatabase } from './lib/postgres.js'
import { hashRow, sampleDecisionBody, toStoredRow } from './lib/rows.js'
import { closedLoop } from './lib/stats.js'

const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
// biome-ignore lint/suspicious/noExplicitAny: experiment
const db = new Kysely<any>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: tdb.url, max: 20 }) }),
})

function groupAppender(chain: string) {
  type Waiter = { body: Record<string, unknown>; resolve: () => void; reject: (e: unknown) => void }
  const queue: Waiter[] = []
  let running = false
  const flush = async () => {
    running = true
    while (queue.length > 0) {
      const batch = queue.splice(0, 1000)
      try {
        await db.transaction().execute(async (tx) => {
          const head = (
            await sql<{
              seq: string
              hash: string
            }>`SELECT seq, hash FROM ledger_heads WHERE chain = ${chain} FOR UPDATE`.execute(tx)
          ).rows[0]
          let seq = head ? Number(head.seq) : 0
          let prev = head ? head.hash : '0'.repeat(64)
          const rows = batch.map((w) => {
            seq++
            const u = {
              v: 1 as const,
              chain,
              seq,
              ts: new Date().toISOString(),
              type: 'decision',
              body: w.body,
              prev,
            }
            const r = toStoredRow(u, hashRow(u))
            prev = r.hash
            return r
          })
          await sql`INSERT INTO ledger_entries (chain, seq, ts, type, body, prev, hash)
            SELECT ${chain}, s, t, 'decision', b::json, p, h FROM unnest(${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.ts)}::text[], ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.prev)}::text[], ${rows.map((r) => r.hash)}::text[]) AS u(s, t, b, p, h)`.execute(
            tx,
          )
          await sql`INSERT INTO ledger_heads (chain, seq, hash) VALUES (${chain}, ${seq}, ${prev}) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`.execute(
            tx,
          )
        })
        for (const w of batch) w.resolve()
      } catch (e) {
        for (const w of batch) w.reject(e)
      }
    }
    running = false
  }
  let i = 0
  return {
    append: () =>
      new Promise<void>((resolve, reject) => {
        queue.push({ body: sampleDecisionBody(i++), resolve, reject })
        if (!running) void flush()
      }),
  }
}

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
  const g = groupAppender('g')
  const naive = createNaiveChain(db)
  const plain = createPlainInsert(db)
  await naive.append('c')
  for (const c of [1, 16, 256]) {
    const a = await closedLoop(c, 3000, 500, () => g.append())
    const n = await closedLoop(c, 3000, 500, () => naive.append('c'))
    const p = await closedLoop(c, 3000, 500, () => plain.append('c'))
    console.log(
      `c=${c} group ${a.opsPerSec} (p50 ${a.latency.p50Us}us) naive ${n.opsPerSec} plain ${p.opsPerSec}  ratio naive ${(a.opsPerSec / n.opsPerSec).toFixed(1)} plain ${(a.opsPerSec / p.opsPerSec).toFixed(2)}`,
    )
  }
} finally {
  await db.destroy()
  await tdb.drop()
}
