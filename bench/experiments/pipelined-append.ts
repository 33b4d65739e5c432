// Experiment: does pipelining group commits raise one chain's append rate? Compared in the same run
// with Arbiter's shipped store (createLedger) at c=256 on PostgreSQL, same rows, same pool.
//
// Shipped: one transaction per chain at a time. At c=256 half the callers ride in the committing batch
// while the other half queue, and Node's work (hashing, building the INSERT, the callers' own
// canonicalisation) sits between one COMMIT and the next BEGIN.
// Pipelined (prototype, single process only, no retry): the writer hashes batch N+1 from the head
// batch N will leave (Node knows it), and opens N+1's transaction as soon as N holds the row lock, so
// N+1's `SELECT … FOR UPDATE` is already waiting in PostgreSQL when N commits. The head it finds is
// checked against the prediction (another process may have moved it: the real thing must then re-hash).
//   npx tsx bench/experiments/pipelined-append.ts [seconds]
import { type Kysely, sql } from 'kysely'
import {
  createLedger,
  GENESIS_PREV,
  linkEntry,
  migrateToLatest,
  openDatabase,
} from '../../src/ledger/index.js'
import { canonicalJson, toRfc3339Millis } from '../../src/shared/index.js'
import { createThrowawayDatabase } from '../lib/postgres.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop } from '../lib/stats.js'

interface Pending {
  bodyText: string
  body: Record<string, unknown>
  resolve(): void
  reject(e: unknown): void
}

// biome-ignore lint/suspicious/noExplicitAny: prototype over the fixed schema
function pipelined(db: Kysely<any>, chain: string, maxBatch = 512) {
  const queue: Pending[] = []
  let head: { seq: number; hash: string } | null = null
  let holding: Promise<void> = Promise.resolve() // resolves when the newest transaction holds the lock
  let inflight = 0
  let commits = 0
  let entries = 0
  const pump = () => {
    while (inflight < 2 && queue.length > 0 && head) {
      const batch = queue.splice(0, maxBatch)
      const ts = toRfc3339Millis(new Date())
      let seq = head.seq
      let prev = head.hash
      const expected = { ...head }
      const rows = batch.map((p) => {
        seq += 1
        const e = linkEntry({ chain, seq, ts, type: 'decision', body: p.body, prev }, p.bodyText)
        prev = e.hash
        return { chain, seq, ts, type: 'decision', body: p.bodyText, prev: e.prev, hash: e.hash }
      })
      head = { seq, hash: prev }
      inflight++
      const previous = holding
      let locked!: () => void
      holding = new Promise((r) => {
        locked = r
      })
      void (async () => {
        try {
          await previous // start only once the batch before holds the lock, so order is kept
          await db.transaction().execute(async (trx) => {
            const got = (
              await sql<{
                seq: string
                hash: string
              }>`SELECT seq, hash FROM ledger_heads WHERE chain = ${chain} FOR UPDATE`.execute(trx)
            ).rows[0]
            if (!got || Number(got.seq) !== expected.seq || got.hash !== expected.hash)
              throw new Error('head moved (prototype does not re-hash)')
            locked()
            await trx.insertInto('ledger_entries').values(rows).execute()
            await trx
              .updateTable('ledger_heads')
              .set({ seq, hash: prev })
              .where('chain', '=', chain)
              .execute()
          })
          commits++
          entries += batch.length
          for (const p of batch) p.resolve()
        } catch (e) {
          locked()
          for (const p of batch) p.reject(e)
        } finally {
          inflight--
          pump()
        }
      })()
    }
  }
  return {
    async init() {
      await sql`INSERT INTO ledger_heads (chain, seq, hash) VALUES (${chain}, 0, ${GENESIS_PREV}) ON CONFLICT DO NOTHING`.execute(
        db,
      )
      const r = (
        await sql<{
          seq: string
          hash: string
        }>`SELECT seq, hash FROM ledger_heads WHERE chain = ${chain}`.execute(db)
      ).rows[0]!
      head = { seq: Number(r.seq), hash: r.hash }
    },
    append(body: Record<string, unknown>): Promise<void> {
      const bodyText = canonicalJson(body)
      return new Promise((resolve, reject) => {
        queue.push({ bodyText, body: JSON.parse(bodyText), resolve, reject })
        pump()
      })
    },
    stats: () => ({ commits, entries }),
  }
}

const seconds = Number(process.argv[2] ?? '5')
const tdb = await createThrowawayDatabase('postgres://postgres@127.0.0.1:5432/test', 'exp')
const handle = await openDatabase({ databaseUrl: tdb.url, poolSize: 20 })
try {
  await migrateToLatest(handle.db)
  const shipped = createLedger(handle.db)
  const proto = pipelined(handle.db, 'p')
  await proto.init()
  let i = 0
  for (let round = 0; round < 2; round++) {
    const a = await closedLoop(256, seconds * 1000, 1000, () =>
      shipped.append({ chain: 's', type: 'decision', body: sampleDecisionBody(i++) }),
    )
    const b = await closedLoop(256, seconds * 1000, 1000, () => proto.append(sampleDecisionBody(i++)))
    console.log(
      `c=256 shipped ${a.opsPerSec}/s (err ${a.errors})   pipelined ${b.opsPerSec}/s (err ${b.errors} ${b.firstError ?? ''})   ×${(b.opsPerSec / a.opsPerSec).toFixed(2)}`,
    )
  }
  const { commits, entries } = proto.stats()
  console.log(`pipelined: mean batch ${(entries / commits).toFixed(0)}`)
  const check = await sql<{ n: string }>`SELECT count(*) AS n FROM ledger_entries WHERE chain = 'p'`.execute(
    handle.db,
  )
  console.log(`pipelined chain rows: ${check.rows[0]?.n}`)
  await shipped.close()
} finally {
  await handle.close()
  await tdb.drop()
}
