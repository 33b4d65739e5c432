import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely'

// Keyset readers of a whole chain or ledger (the verifier's COPY chunks, policy replay's pages) must
// walk the primary key in order from their cursor. A table just filled and not yet analyzed (or a
// server with autovacuum off) otherwise gets a bitmap or full scan plus a sort per chunk, which makes
// reading a large ledger quadratic. These settings hold the planner to the ordered index scan.

/** Planner settings turned off for the current transaction only (`set_config(…, true)`). */
export const RANGE_SCAN_PLAN_SETTINGS: readonly string[] = [
  'enable_seqscan',
  'enable_bitmapscan',
  'enable_sort',
  'jit',
]

/**
 * One statement that applies RANGE_SCAN_PLAN_SETTINGS to the current transaction. Literals only, so
 * its compiled text also runs on a bare `pg` client (the verifier's COPY connection).
 *
 * @example
 * await rangeScanPlanStatement().execute(trx)
 */
export function rangeScanPlanStatement(): RawBuilder<unknown> {
  const calls = RANGE_SCAN_PLAN_SETTINGS.map((name) => sql`set_config(${sql.lit(name)}, 'off', true)`)
  return sql`SELECT ${sql.join(calls)}`
}

/**
 * Pins the plans of `trx` (a Kysely transaction) to ordered primary-key range scans, in one round trip.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await pinRangeScanPlan(trx)
 *   return pageQuery(trx).execute()
 * })
 */
export async function pinRangeScanPlan(trx: QueryExecutorProvider): Promise<void> {
  await rangeScanPlanStatement().execute(trx)
}
