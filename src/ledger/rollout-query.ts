import { type Kysely, type SqlBool, sql } from 'kysely'
import type { LedgerEntry } from './ledger.types.js'
import { decodeEntryRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import { fillBuckets, type TimeBucket } from './time-buckets.js'

/** Which decisions a rollout report covers. `since` inclusive, `until` exclusive. */
export interface RolloutFilter {
  readonly since: Date
  readonly until: Date
  readonly bucket: TimeBucket
  readonly chain?: string
  /** Decisions where the live or the shadow bundle gave this rule id. */
  readonly rule?: string
  /** `input.tool.name`. */
  readonly tool?: string
  /** Most disagreeing decisions listed (newest first); default 50, at most 500. */
  readonly limit?: number
}

/** Counts of one bucket (or of the whole range). */
export interface RolloutCounts {
  /** Decisions in the bucket, shadowed or not. */
  readonly decisions: number
  /** Of those, evaluated by a shadow bundle. */
  readonly shadowed: number
  readonly agree: number
  readonly disagree: number
  /** Shadowed, but the candidate gave no decision (not loaded, failed, overran its deadline). */
  readonly errors: number
}

export interface RolloutReport {
  readonly totals: RolloutCounts
  readonly series: Array<{ readonly start: string } & RolloutCounts>
  /** Each candidate bundle seen in the range, with how many decisions it shadowed. */
  readonly candidates: Array<{
    readonly revision: string
    readonly sha256: string
    readonly decisions: number
  }>
  /** Decision entries where the candidate disagreed, newest first. */
  readonly disagreements: LedgerEntry[]
}

// `json` bodies: `->>` gives text; `agrees` is the JSON literal true/false.
const shadowed = sql<SqlBool>`body->'shadow' is not null`
const agreed = sql<SqlBool>`body->'shadow'->>'agrees' = 'true'`
const disagreed = sql<SqlBool>`body->'shadow'->>'agrees' = 'false'`
const failed = sql<SqlBool>`body->'shadow' is not null and body->'shadow'->>'agrees' is null`

function conditions(f: RolloutFilter): ReturnType<typeof sql<SqlBool>>[] {
  const out = [
    sql<SqlBool>`type = 'decision'`,
    sql<SqlBool>`ts >= ${f.since.toISOString()}`,
    sql<SqlBool>`ts < ${f.until.toISOString()}`,
  ]
  if (f.chain !== undefined) out.push(sql<SqlBool>`chain = ${f.chain}`)
  if (f.tool !== undefined) out.push(sql<SqlBool>`body->'input'->'tool'->>'name' = ${f.tool}`)
  if (f.rule !== undefined)
    out.push(sql<SqlBool>`(exists (select 1 from json_array_elements(
        case when json_typeof(body->'reasons') = 'array' then body->'reasons' else '[]'::json end) r
        where r->>'rule' = ${f.rule})
      or exists (select 1 from json_array_elements_text(
        case when json_typeof(body->'shadow'->'rules') = 'array' then body->'shadow'->'rules' else '[]'::json end) s
        where s = ${f.rule}))`)
  return out
}

const counts = {
  decisions: sql<string>`count(*)`.as('decisions'),
  shadowed: sql<string>`count(*) filter (where ${shadowed})`.as('shadowed'),
  agree: sql<string>`count(*) filter (where ${agreed})`.as('agree'),
  disagree: sql<string>`count(*) filter (where ${disagreed})`.as('disagree'),
  errors: sql<string>`count(*) filter (where ${failed})`.as('errors'),
}

const toCounts = (row: Record<keyof RolloutCounts, string | number | bigint>): RolloutCounts => ({
  decisions: Number(row.decisions),
  shadowed: Number(row.shadowed),
  agree: Number(row.agree),
  disagree: Number(row.disagree),
  errors: Number(row.errors),
})

/**
 * Agreement of the shadow (candidate) bundle with the live one over a time range, aggregated in SQL:
 * totals, a filled series per bucket, the candidates seen, and the disagreeing decisions.
 *
 * @example
 * const report = await rolloutReport(db, { since, until: new Date(), bucket: 'hour', rule: 'fintech.transfer_limit' })
 */
export async function rolloutReport(
  db: Kysely<LedgerDatabase>,
  filter: RolloutFilter,
): Promise<RolloutReport> {
  const where = conditions(filter)
  const base = () => {
    let query = db.selectFrom('ledger_entries')
    for (const condition of where) query = query.where(condition)
    return query
  }
  const bucketKey = sql<string>`to_char(date_trunc(${filter.bucket}, (ts::timestamptz) at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500)
  const [totals, buckets, candidates, rows] = await Promise.all([
    base().select(Object.values(counts)).executeTakeFirstOrThrow(),
    base()
      .select([bucketKey.as('start'), ...Object.values(counts)])
      .groupBy(sql`1`)
      .execute(),
    base()
      .where(shadowed)
      .where(sql<SqlBool>`body->'shadow'->'bundle' is not null`)
      .select([
        sql<string>`body->'shadow'->'bundle'->>'revision'`.as('revision'),
        sql<string>`body->'shadow'->'bundle'->>'sha256'`.as('sha256'),
        sql<string>`count(*)`.as('decisions'),
      ])
      .groupBy([sql`1`, sql`2`])
      .orderBy(sql`3`, 'desc')
      .execute(),
    base()
      .where(disagreed)
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
      .orderBy('ts', 'desc')
      .orderBy('chain', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute(),
  ])
  const byStart = new Map(buckets.map((b) => [b.start, toCounts(b)]))
  const empty = (): RolloutCounts => ({ decisions: 0, shadowed: 0, agree: 0, disagree: 0, errors: 0 })
  return {
    totals: toCounts(totals),
    series: fillBuckets(filter.since, filter.until, filter.bucket, byStart, empty),
    candidates: candidates.map((c) => ({
      revision: String(c.revision),
      sha256: String(c.sha256),
      decisions: Number(c.decisions),
    })),
    disagreements: rows.map((row) => decodeEntryRow(row)),
  }
}
