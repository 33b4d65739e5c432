import type { Router } from 'express'
import { bucketCount, MAX_BUCKETS, type RolloutCounts, type TimeBucket } from '../../ledger/index.js'
import { toRfc3339Millis, ValidationError } from '../../shared/index.js'
import { requirePermission } from '../auth/authenticate.js'
import { overviewQuerySchema, rolloutQuerySchema } from '../insight-schemas.js'
import type { ServerDeps, ShadowStatus } from '../server.types.js'
import { parseRequest } from '../validate.js'

const DAY_MS = 86_400_000
const MAX_OVERVIEW_MS = 31 * DAY_MS

/** `[since, until)` with the defaults (the last 24 hours), refused with 400 when empty or too wide. */
function rangeOf(
  q: { since?: Date; until?: Date },
  now: Date,
  limit: { bucket: TimeBucket } | { maxMs: number },
): { since: Date; until: Date } {
  const until = q.until ?? now
  const since = q.since ?? new Date(until.getTime() - DAY_MS)
  const refuse = (message: string) => {
    throw new ValidationError(`invalid request query: ${message}`, [{ path: 'since', message }])
  }
  if (since >= until)
    refuse(`since must be before until, got ${since.toISOString()} >= ${until.toISOString()}`)
  if ('bucket' in limit && bucketCount(since, until, limit.bucket) > MAX_BUCKETS)
    refuse(
      `the range holds more than ${MAX_BUCKETS} ${limit.bucket} buckets; use a wider bucket or a shorter range`,
    )
  if ('maxMs' in limit && until.getTime() - since.getTime() > limit.maxMs)
    refuse(`the range spans more than ${limit.maxMs / DAY_MS} days`)
  return { since, until }
}

const rate = (c: Pick<RolloutCounts, 'agree' | 'disagree'>) =>
  c.agree + c.disagree === 0 ? null : c.agree / (c.agree + c.disagree)

const withRate = <T extends RolloutCounts>(c: T) => ({ ...c, agreement_rate: rate(c) })

const noShadow: ShadowStatus = { configured: false, bundle: null, error: null }

/**
 * The dashboard routes: `GET /v1/rollout` (shadow agreement over time and the disagreeing decisions)
 * and `GET /v1/overview` (decisions per hour, top denying rules, conflicts by runtime, approvals,
 * shadow agreement). Both aggregate in SQL; both need the `read` permission.
 *
 * @example
 * registerInsightRoutes(v1, deps)
 */
export function registerInsightRoutes(router: Router, deps: ServerDeps): void {
  router.get('/rollout', requirePermission('read'), async (req, res) => {
    const q = parseRequest(rolloutQuerySchema, req.query, 'query')
    const { since, until } = rangeOf(q, deps.clock.now(), { bucket: q.bucket })
    const report = await deps.insights.rollout({
      since,
      until,
      bucket: q.bucket,
      ...(q.rule !== undefined ? { rule: q.rule } : {}),
      ...(q.tool !== undefined ? { tool: q.tool } : {}),
      ...(q.chain !== undefined ? { chain: q.chain } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
    })
    res.json({
      since: toRfc3339Millis(since),
      until: toRfc3339Millis(until),
      bucket: q.bucket,
      shadow: deps.insights.shadow?.() ?? noShadow,
      totals: withRate(report.totals),
      series: report.series.map(withRate),
      candidates: report.candidates,
      disagreements: report.disagreements,
    })
  })

  router.get('/overview', requirePermission('read'), async (req, res) => {
    const q = parseRequest(overviewQuerySchema, req.query, 'query')
    const now = deps.clock.now()
    const { since, until } = rangeOf(q, now, { maxMs: MAX_OVERVIEW_MS })
    const o = await deps.insights.overview({
      since,
      until,
      now,
      ...(q.chain !== undefined ? { chain: q.chain } : {}),
    })
    res.json({
      since: toRfc3339Millis(since),
      until: toRfc3339Millis(until),
      totals: o.totals,
      decisions_per_hour: o.decisionsPerHour,
      top_denying_rules: o.topDenyingRules,
      conflicts_by_runtime: o.conflictsByRuntime,
      approvals: {
        waiting: o.approvals.waiting,
        approved: o.approvals.approved,
        median_seconds_to_approve: o.approvals.medianSecondsToApprove,
        p90_seconds_to_approve: o.approvals.p90SecondsToApprove,
      },
      shadow: { ...(deps.insights.shadow?.() ?? noShadow), ...o.shadow },
    })
  })
}
