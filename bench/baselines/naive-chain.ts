import { type Kysely, sql } from 'kysely'
import { GENESIS_PREV } from '../../src/ledger/index.js'
import { hashRow, sampleDecisionBody, toStoredRow } from '../lib/rows.js'

/**
 * The textbook hash chain: one transaction per entry (lock the head row, hash, insert, move the head,
 * commit). Tables are copies of `ledger_entries`/`ledger_heads` (same columns and indexes), created
 * with `LIKE … INCLUDING ALL` so the only difference from Arbiter is the append strategy.
 */
export interface NaiveChain {
  append(chain: string): Promise<void>
}

// biome-ignore lint/suspicious/noExplicitAny: baseline tables live outside Arbiter's typed schema
type AnyDb = Kysely<any>

export async function createBaselineTables(db: AnyDb): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS bench_naive_entries (LIKE ledger_entries INCLUDING ALL)`.execute(db)
  await sql`CREATE TABLE IF NOT EXISTS bench_naive_heads (LIKE ledger_heads INCLUDING ALL)`.execute(db)
  await sql`CREATE TABLE IF NOT EXISTS bench_plain_entries (LIKE ledger_entries INCLUDING ALL)`.execute(db)
}

export function createNaiveChain(db: AnyDb): NaiveChain {
  let counter = 0
  return {
    async append(chain) {
      const body = sampleDecisionBody(counter++)
      await db.transaction().execute(async (tx) => {
        const head = await sql<{ seq: string; hash: string }>`
          SELECT seq, hash FROM bench_naive_heads WHERE chain = ${chain} FOR UPDATE`.execute(tx)
        const current = head.rows[0]
        const seq = current ? Number(current.seq) + 1 : 1
        const prev = current ? current.hash : GENESIS_PREV
        const unhashed = {
          v: 1 as const,
          chain,
          seq,
          ts: new Date().toISOString(),
          type: 'decision',
          body,
          prev,
        }
        const row = toStoredRow(unhashed, hashRow(unhashed))
        await sql`INSERT INTO bench_naive_entries (chain, seq, ts, type, body, prev, hash)
          VALUES (${row.chain}, ${row.seq}, ${row.ts}, ${row.type}, ${row.body}, ${row.prev}, ${row.hash})`.execute(
          tx,
        )
        if (current) {
          await sql`UPDATE bench_naive_heads SET seq = ${seq}, hash = ${row.hash} WHERE chain = ${chain}`.execute(
            tx,
          )
        } else {
          // First entry of the chain: create its head. Concurrent first appends race here; the
          // harness does one warm-up append before going concurrent so the head row exists.
          await sql`INSERT INTO bench_naive_heads (chain, seq, hash) VALUES (${chain}, ${seq}, ${row.hash})`.execute(
            tx,
          )
        }
      })
    },
  }
}
