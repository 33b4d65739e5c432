import { type Kysely, type SqlBool, sql } from 'kysely'
import type { LedgerDatabase } from './schema.js'
import { fillBuckets } from './time-buckets.js'

/** The range an overview covers (`since` inclusive, `until` exclusive), optionally one chain. */
export interface OverviewFilter {
  readonly since: Date
  readonly until: Date
  readonly chain?: string
  /** "Now", for which approval requests are still open (default: `until`). */
  readonly now?: Date
}

export interface DecisionsByAction {
  readonly allow: number
  readonly deny: number
  readonly require_approval: number
}

/** The compliance overview, every figure aggregated in SQL over the range. */
export interface Overview {
  /** Decisions per hour by action, one point per hour of the range. */
  readonly decisionsPerHour: Array<{ readonly start: string } & DecisionsByAction>
  readonly totals: DecisionsByAction
  /** Rules of `deny` decisions, most frequent first (at most 10). */
  readonly topDenyingRules: Array<{ readonly rule: string; readonly count: number }>
  /** Conflicts by the agent runtime of their decision (`input.agent.runtime`) and kind. */
  readonly conflictsByRuntime: Array<{
    readonly runtime: string
    readonly kind: string
    readonly count: number
  }>
  readonly approvals: {
    /** Requests still open at `now`: not expired, not denied, fewer approvals than needed. */
    readonly waiting: number
    /** Requests of the range that got every approval they needed. */
    readonly approved: number
    /** Seconds from request to the last needed approval: median, 90th percentile (null: none approved). */
    readonly medianSecondsToApprove: number | null
    readonly p90SecondsToApprove: number | null
  }
  /** Shadow rollout over the range (all zero when no decision was shadowed). */
  readonly shadow: {
    readonly shadowed: number
    readonly agree: number
    readonly disagree: number
    readonly errors: number
  }
}

const inRange = (f: OverviewFilter, alias = '') => {
  const col = (name: string) => sql.ref(alias ? `${alias}.${name}` : name)
  const out = [
    sql<SqlBool>`${col('ts')} >= ${f.since.toISOString()}`,
    sql<SqlBool>`${col('ts')} < ${f.until.toISOString()}`,
  ]
  if (f.chain !== undefined) out.push(sql<SqlBool>`${col('chain')} = ${f.chain}`)
  return sql.join(out, sql` and `)
}

const num = (value: unknown): number => Number(value ?? 0)
const seconds = (value: unknown): number | null =>
  value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10

/**
 * The figures of the web UI's overview page over `[since, until)`: decisions per hour by action, top
 * denying rules, conflicts by runtime, approvals waiting and time to approve, shadow agreement.
 *
 * @example
 * const overview = await overviewReport(db, { since: new Date(Date.now() - 86_400_000), until: new Date() })
 */
export async function overviewReport(db: Kysely<LedgerDatabase>, filter: OverviewFilter): Promise<Overview> {
  const now = (filter.now ?? filter.until).toISOString()
  const decisions = sql<SqlBool>`type = 'decision' and ${inRange(filter)}`
  const perHour = sql<{ start: string; action: string; n: string }>`
    select to_char(date_trunc('hour', (ts::timestamptz) at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start,
      body->>'action' as action, count(*) as n
    from ledger_entries where ${decisions} group by 1, 2`
  const topRules = sql<{ rule: string; n: string }>`
    select r->>'rule' as rule, count(*) as n
    from ledger_entries, json_array_elements(
      case when json_typeof(body->'reasons') = 'array' then body->'reasons' else '[]'::json end) r
    where ${decisions} and body->>'action' = 'deny' and r->>'rule' is not null
    group by 1 order by 2 desc, 1 limit 10`
  // A conflict's runtime is the agent runtime of the decision it is about (same chain, same decision_id).
  const conflicts = sql<{ runtime: string; kind: string; n: string }>`
    select coalesce(d.body->'input'->'agent'->>'runtime', 'unknown') as runtime, c.body->>'kind' as kind, count(*) as n
    from ledger_entries c
    left join ledger_entries d on d.type = 'decision' and d.chain = c.chain
      and d.body->>'decision_id' = c.body->>'decision_id'
    where c.type = 'conflict' and ${inRange(filter, 'c')}
    group by 1, 2 order by 3 desc, 1, 2`
  // Votes per request: approvals, denials, and when the last approval came.
  const votes = sql`
    select a.chain, a.body->>'approval_id' as approval_id,
      count(*) filter (where a.body->>'verdict' = 'approve') as approvals,
      count(*) filter (where a.body->>'verdict' in ('deny', 'timeout')) as refusals,
      max(a.ts) filter (where a.body->>'verdict' = 'approve') as last_approval
    from ledger_entries a where a.type = 'approval' group by 1, 2`
  const approvals = sql<{ waiting: string; approved: string; median: number | null; p90: number | null }>`
    with v as (${votes}),
    r as (
      select q.ts, q.body->>'expires_at' as expires_at, coalesce((q.body->>'count')::int, 1) as needed,
        coalesce(v.approvals, 0) as approvals, coalesce(v.refusals, 0) as refusals, v.last_approval
      from ledger_entries q left join v on v.chain = q.chain and v.approval_id = q.body->>'approval_id'
      where q.type = 'approval_request' and ${inRange(filter, 'q')}
    )
    select
      count(*) filter (where expires_at > ${now} and refusals = 0 and approvals < needed) as waiting,
      count(*) filter (where approvals >= needed) as approved,
      percentile_cont(0.5) within group (order by extract(epoch from (last_approval::timestamptz - ts::timestamptz)))
        filter (where approvals >= needed) as median,
      percentile_cont(0.9) within group (order by extract(epoch from (last_approval::timestamptz - ts::timestamptz)))
        filter (where approvals >= needed) as p90
    from r`
  const shadow = sql<{ shadowed: string; agree: string; disagree: string; errors: string }>`
    select count(*) filter (where body->'shadow' is not null) as shadowed,
      count(*) filter (where body->'shadow'->>'agrees' = 'true') as agree,
      count(*) filter (where body->'shadow'->>'agrees' = 'false') as disagree,
      count(*) filter (where body->'shadow' is not null and body->'shadow'->>'agrees' is null) as errors
    from ledger_entries where ${decisions}`
  const [hours, rules, byRuntime, approval, shadowed] = await Promise.all([
    perHour.execute(db),
    topRules.execute(db),
    conflicts.execute(db),
    approvals.execute(db),
    shadow.execute(db),
  ])
  const byStart = new Map<string, { allow: number; deny: number; require_approval: number }>()
  const totals = { allow: 0, deny: 0, require_approval: 0 }
  for (const row of hours.rows) {
    const action = row.action as keyof DecisionsByAction
    if (!(action in totals)) continue
    const bucket = byStart.get(row.start) ?? { allow: 0, deny: 0, require_approval: 0 }
    bucket[action] += num(row.n)
    totals[action] += num(row.n)
    byStart.set(row.start, bucket)
  }
  const a = approval.rows[0]
  const s = shadowed.rows[0]
  return {
    decisionsPerHour: fillBuckets(filter.since, filter.until, 'hour', byStart, () => ({
      allow: 0,
      deny: 0,
      require_approval: 0,
    })),
    totals,
    topDenyingRules: rules.rows.map((r) => ({ rule: r.rule, count: num(r.n) })),
    conflictsByRuntime: byRuntime.rows.map((r) => ({ runtime: r.runtime, kind: r.kind, count: num(r.n) })),
    approvals: {
      waiting: num(a?.waiting),
      approved: num(a?.approved),
      medianSecondsToApprove: seconds(a?.median),
      p90SecondsToApprove: seconds(a?.p90),
    },
    shadow: {
      shadowed: num(s?.shadowed),
      agree: num(s?.agree),
      disagree: num(s?.disagree),
      errors: num(s?.errors),
    },
  }
}
