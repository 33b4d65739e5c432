import { type Kysely, type SqlBool, sql } from 'kysely'
import { type LedgerDatabase, pinRangeScanPlan } from '../ledger/index.js'
import type { ReplaySelection } from './replay.types.js'
import type { ReplayBatch } from './replay-worker.js'

/** Rows per page and per batch handed to a worker. */
export const DEFAULT_BATCH_ROWS = 500

/** The SQL conditions of a selection (the workers apply it again on the parsed bodies). @internal */
export function replayConditions(s: ReplaySelection): ReturnType<typeof sql<SqlBool>>[] {
  const out = [sql<SqlBool>`type = 'decision'`]
  if (s.chain !== undefined) out.push(sql<SqlBool>`chain = ${s.chain}`)
  if (s.fromSeq !== undefined) out.push(sql<SqlBool>`seq >= ${String(s.fromSeq)}::bigint`)
  if (s.toSeq !== undefined) out.push(sql<SqlBool>`seq <= ${String(s.toSeq)}::bigint`)
  if (s.since !== undefined) out.push(sql<SqlBool>`ts >= ${s.since.toISOString()}`)
  if (s.until !== undefined) out.push(sql<SqlBool>`ts < ${s.until.toISOString()}`)
  if (s.tool !== undefined) out.push(sql<SqlBool>`body->'input'->'tool'->>'name' = ${s.tool}`)
  if (s.agent !== undefined) out.push(sql<SqlBool>`body->'input'->'agent'->>'id' = ${s.agent}`)
  if (s.rule !== undefined)
    out.push(sql<SqlBool>`exists (select 1 from json_array_elements(
      case when json_typeof(body->'reasons') = 'array' then body->'reasons' else '[]'::json end) r
      where r->>'rule' = ${s.rule})`)
  return out
}

/** A decision row as a page returns it. @internal */
export interface ReplayRow {
  readonly chain: string
  readonly seq: string
  readonly ts: string
  readonly type: string
  readonly body: string
}

/**
 * One keyset page of the selection: the rows after `after` (chain, seq), in (chain, seq) order.
 *
 * @internal
 * @example
 * await replayPageQuery(db, replayConditions({ chain: 'pay' }), null, 500).execute()
 */
export function replayPageQuery(
  db: Kysely<LedgerDatabase>,
  where: readonly ReturnType<typeof sql<SqlBool>>[],
  after: readonly [string, string] | null,
  limit: number,
) {
  let query = db
    .selectFrom('ledger_entries')
    .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body')])
  for (const condition of where) query = query.where(condition)
  if (after) query = query.where(sql<SqlBool>`(chain, seq) > (${after[0]}, ${after[1]}::bigint)`)
  return query.orderBy('chain').orderBy('seq').limit(limit)
}

/**
 * Streams the selected decision entries of a ledger database as worker batches, in (chain, seq) order,
 * by keyset pagination: one page in memory at a time (and the next one prefetched), whatever the size
 * of the ledger. Only reads (SELECT on `ledger_entries`): a read-only role is enough. The selection is
 * applied in SQL where it can be and again by the workers on the parsed bodies.
 *
 * @example
 * const report = await runReplay({ candidate, source: databaseBatches(handle.db, { chain: 'default' }), recordedBundle })
 */
export async function* databaseBatches(
  db: Kysely<LedgerDatabase>,
  selection: ReplaySelection = {},
  batchRows = DEFAULT_BATCH_ROWS,
): AsyncIterable<ReplayBatch> {
  const where = replayConditions(selection)
  const page = (after: readonly [string, string] | null): Promise<ReplayRow[]> => {
    const rows = db.transaction().execute(async (trx) => {
      // Each page in its own short transaction, its plan held to the ordered primary-key range scan
      // from the cursor (an unanalyzed ledger otherwise got a bitmap scan and a sort per page).
      await pinRangeScanPlan(trx)
      return replayPageQuery(trx, where, after, batchRows).execute()
    })
    // A prefetched page may be abandoned when the consumer stops early: never an unhandled rejection.
    rows.catch(() => undefined)
    return rows
  }
  let next: Promise<ReplayRow[]> | null = page(null)
  while (next) {
    const rows: ReplayRow[] = await next
    const last: ReplayRow | undefined = rows.at(-1)
    next = last && rows.length === batchRows ? page([last.chain, String(last.seq)]) : null
    if (rows.length > 0)
      yield { rows: rows.map((r) => [r.chain, Number(r.seq), r.ts, r.type, r.body] as const) }
  }
}
