import { sql } from 'kysely'
import type pg from 'pg'
import { CHAIN_ID_PATTERN } from './chain.js'
import { ledgerDatabase } from './create-ledger.js'
import { postgresPoolOf } from './database.js'
import type { VerifiableLedger } from './ledger.types.js'
import { rangeScanPlanStatement } from './range-scan-plan.js'

// Where the parallel verifier (verify-parallel.ts) gets its rows from.

/** The SQL text of one COPY chunk: rows of the chain with `seq > after`, at most `limit`. @internal */
export type CopyChunkSql = (after: number, limit: number) => string

/** How to read one chain's rows straight from PostgreSQL. @internal */
export interface PostgresChainSource {
  readonly pool: pg.Pool
  readonly chunkSql: CopyChunkSql
  /** Statements run first on the connection (a read-only snapshot, the plan), and the last one. */
  readonly prelude: readonly string[]
  readonly end: string
}

/**
 * The direct PostgreSQL reader for a ledger made by createLedger on a database opened by
 * openDatabase, when its rows can be read byte for byte: a UTF-8 server (the bytes the writer hashed)
 * and a chain id of the format's alphabet (it is inlined as a literal: COPY takes no parameters).
 * Null otherwise (PGlite, a wrapped ledger): the caller reads `rawRows` instead.
 *
 * @internal
 * @example
 * const source = await postgresChainSource(ledger, 'default')
 */
export async function postgresChainSource(
  ledger: VerifiableLedger,
  chain: string,
): Promise<PostgresChainSource | null> {
  const db = ledgerDatabase(ledger)
  const pool = db ? postgresPoolOf(db) : undefined
  if (!db || !pool || !CHAIN_ID_PATTERN.test(chain)) return null
  const encoding = await sql<{ server_encoding: string }>`SHOW server_encoding`.execute(db)
  if (encoding.rows[0]?.server_encoding !== 'UTF8') return null
  // `body` is json, whose binary form is its text as stored: the bytes the writer hashed.
  const chunkSql: CopyChunkSql = (after, limit) =>
    sql`COPY (SELECT seq, ts, type, body, prev, hash FROM ledger_entries
      WHERE chain = ${sql.lit(chain)} AND seq > ${sql.lit(after)} ORDER BY seq LIMIT ${sql.lit(limit)})
      TO STDOUT (FORMAT binary)`.compile(db).sql
  // One snapshot for every chunk; the primary key's range scan whatever the statistics say (a table
  // just filled, never analyzed, would otherwise get a full scan and sort per chunk); no JIT compile.
  const prelude = [sql`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`, rangeScanPlanStatement()].map(
    (q) => q.compile(db).sql,
  )
  return { pool, chunkSql, prelude, end: sql`COMMIT`.compile(db).sql }
}
