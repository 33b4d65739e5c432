import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { GENESIS_PREV } from '../../src/ledger/index.js'
import { hashRow, sampleDecisionBody, toStoredRow } from '../lib/rows.js'

// biome-ignore lint/suspicious/noExplicitAny: baseline tables live outside Arbiter's typed schema
type AnyDb = Kysely<any>

/**
 * The database's own limit: the same rows (hashed, same size, same indexes) as single-statement
 * autocommit INSERTs, with no head row and no chain. Sequence numbers come from a local counter.
 */
export function createPlainInsert(db: AnyDb): { append(chain: string): Promise<void> } {
  let seq = 0
  return {
    async append(chain) {
      const n = ++seq
      const unhashed = {
        v: 1 as const,
        chain,
        seq: n,
        ts: new Date().toISOString(),
        type: 'decision',
        body: sampleDecisionBody(n),
        prev: GENESIS_PREV,
      }
      const row = toStoredRow(unhashed, hashRow(unhashed))
      await sql`INSERT INTO bench_plain_entries (chain, seq, ts, type, body, prev, hash)
        VALUES (${row.chain}, ${row.seq}, ${row.ts}, ${row.type}, ${row.body}, ${row.prev}, ${row.hash})`.execute(
        db,
      )
    },
  }
}
