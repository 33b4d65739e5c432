import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { type DecisionBody, type ShadowBody, safeParseEntryBody } from '../entries/index.js'
import type { AppendRequest, Ledger, LedgerEntry } from '../ledger/index.js'

/** Prometheus metrics of one server process, on their own registry (tests run several servers). */
export interface ServerMetrics {
  readonly registry: Registry
  /**
   * Wraps a ledger so every append is timed and counted (decisions by action and rule, conflicts).
   * The composition root hands the wrapped ledger to the guard, so decisions made by any adapter in
   * this process are counted, not only those made over HTTP.
   */
  instrumentLedger<L extends Pick<Ledger, 'append'>>(ledger: L): L
  /** End-to-end latency of one HTTP decision (validate, evaluate, durable append). */
  observeDecisionLatency(seconds: number, action: string): void
  /** Source of the pending-approvals gauge, read at scrape time. */
  setPendingApprovalsSource(source: () => number | Promise<number>): void
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

function reasonRules(reasons: DecisionBody['reasons']): string[] {
  return reasons.length > 0 ? reasons.map((r) => r.rule) : ['none']
}

/**
 * Creates the server's metrics: `arbiter_decisions_total{action,rule}`,
 * `arbiter_decision_latency_seconds`, `arbiter_policy_evaluation_seconds`,
 * `arbiter_ledger_append_seconds{type}`, `arbiter_conflicts_total{kind}`,
 * `arbiter_shadow_decisions_total{result,rule}` (shadow rollout: `agree`/`disagree` with the live
 * decision, by each rule either bundle gave), `arbiter_shadow_errors_total`,
 * `arbiter_pending_approvals`, `arbiter_invalid_entry_bodies_total{type}` (appended decision or
 * conflict entries whose body does not match its schema, left out of the counts above), plus Node
 * process metrics.
 *
 * @example
 * const metrics = createServerMetrics()
 * const ledger = metrics.instrumentLedger(createLedger(db, options))
 */
export function createServerMetrics(options: { defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'arbiter_' })
  const decisions = new Counter({
    name: 'arbiter_decisions_total',
    help: 'Decisions recorded, by action and by each rule that gave a reason (rule="none" for none)',
    labelNames: ['action', 'rule'] as const,
    registers: [registry],
  })
  const decisionLatency = new Histogram({
    name: 'arbiter_decision_latency_seconds',
    help: 'HTTP decision latency: validation, policy evaluation and durable ledger append',
    labelNames: ['action'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  })
  const evaluation = new Histogram({
    name: 'arbiter_policy_evaluation_seconds',
    help: 'Policy evaluation time as recorded in decision entries',
    buckets: latencyBuckets,
    registers: [registry],
  })
  const append = new Histogram({
    name: 'arbiter_ledger_append_seconds',
    help: 'Ledger append latency until durable, by entry type',
    labelNames: ['type'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  })
  const conflicts = new Counter({
    name: 'arbiter_conflicts_total',
    help: 'Conflicts between a vendor runtime and policy, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  })
  const invalidBodies = new Counter({
    name: 'arbiter_invalid_entry_bodies_total',
    help: 'Appended entries whose body does not match the schema of their type (not counted elsewhere)',
    labelNames: ['type'] as const,
    registers: [registry],
  })
  const shadowDecisions = new Counter({
    name: 'arbiter_shadow_decisions_total',
    help: 'Decisions also evaluated by the shadow (candidate) bundle, by result (agree or disagree with the live decision) and by each rule either bundle gave (rule="none" for none)',
    labelNames: ['result', 'rule'] as const,
    registers: [registry],
  })
  const shadowErrors = new Counter({
    name: 'arbiter_shadow_errors_total',
    help: 'Decisions whose shadow (candidate) bundle gave no decision: not loaded, failed or overran its deadline',
    registers: [registry],
  })
  let pendingSource: () => number | Promise<number> = () => 0
  new Gauge({
    name: 'arbiter_pending_approvals',
    help: 'Approval requests this process is waiting on (counted by its approval poller, no database read)',
    registers: [registry],
    async collect() {
      // A failing source must not break the whole scrape; -1 says "unknown".
      this.set(await Promise.resolve(pendingSource()).catch(() => -1))
    },
  })

  function countShadow(reasons: DecisionBody['reasons'], shadow: ShadowBody): void {
    if (shadow.error !== undefined || shadow.agrees === undefined) {
      shadowErrors.inc()
      return
    }
    const result = shadow.agrees ? 'agree' : 'disagree'
    const rules = new Set([...reasons.map((r) => r.rule), ...(shadow.rules ?? [])])
    for (const rule of rules.size > 0 ? rules : ['none']) shadowDecisions.inc({ result, rule })
  }

  function count(entry: LedgerEntry): void {
    if (entry.type === 'decision') {
      const parsed = safeParseEntryBody('decision', entry.body, entry)
      if (!parsed.ok) {
        invalidBodies.inc({ type: entry.type })
        return
      }
      const { action, reasons, duration_us, shadow } = parsed.body
      for (const rule of reasonRules(reasons)) decisions.inc({ action, rule })
      evaluation.observe(duration_us / 1e6)
      if (shadow) countShadow(reasons, shadow)
    } else if (entry.type === 'conflict') {
      const parsed = safeParseEntryBody('conflict', entry.body, entry)
      if (parsed.ok) conflicts.inc({ kind: parsed.body.kind })
      else invalidBodies.inc({ type: entry.type })
    }
  }

  return {
    registry,
    instrumentLedger(ledger) {
      const original = ledger.append.bind(ledger)
      const timedAppend = async (request: AppendRequest): Promise<LedgerEntry> => {
        const stop = append.startTimer({ type: request.type })
        const entry = await original(request)
        stop()
        count(entry)
        return entry
      }
      // A proxy keeps every other method (and `this` binding) of the real ledger untouched.
      return new Proxy(ledger, {
        get(target, property, receiver) {
          if (property === 'append') return timedAppend
          const value = Reflect.get(target, property, receiver)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
    },
    observeDecisionLatency(seconds, action) {
      decisionLatency.observe({ action }, seconds)
    },
    setPendingApprovalsSource(source) {
      pendingSource = source
    },
  }
}
