import type { Decision, PolicyEvaluation, ToolCallInput } from '../policy/index.js'
import { canonicalJson, DEFAULT_ARGUMENT_LIMITS, findJsonProblem, sha256Hex } from '../shared/index.js'
import type { OutcomeReport } from './guard.types.js'

/**
 * Body of a `decision` ledger entry (see the ledger body conventions). `arguments` must already be
 * redacted; `redacted` lists the JSON pointers that were.
 * @internal
 */
export function toDecisionBody(args: {
  decisionId: string
  eventId?: string
  evaluation: PolicyEvaluation
  input: ToolCallInput
  redactedArguments: Record<string, unknown>
}): Record<string, unknown> {
  const { decision, bundle } = args.evaluation
  return {
    decision_id: args.decisionId,
    ...(args.eventId ? { event_id: args.eventId } : {}),
    input: { ...args.input, arguments: args.redactedArguments },
    action: decision.action,
    reasons: decision.reasons,
    ...(decision.approval ? { approval: decision.approval } : {}),
    redacted: decision.redact ?? [],
    bundle: { revision: bundle.revision, sha256: bundle.sha256 },
    duration_us: Math.round(args.evaluation.durationUs),
  }
}

/**
 * Body of an `outcome` entry. The result is hashed in canonical form; a result JSON cannot carry
 * (a function, a cycle) is hashed through its string form instead so an outcome is always recorded;
 * with `recordResults`, a result past the argument limits is replaced by `result_omitted`.
 * @internal
 */
export function toOutcomeBody(
  decisionId: string,
  report: OutcomeReport,
  recordResults: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { decision_id: decisionId, status: report.status }
  if (report.eventId) body.event_id = report.eventId
  if (report.durationMs !== undefined) body.duration_ms = Math.round(report.durationMs * 1000) / 1000
  if (report.result !== undefined) {
    const canonical = canonicalOrString(report.result)
    body.result_sha256 = sha256Hex(canonical.text)
    // A result the ledger would refuse (too deep or big, unstorable text) is omitted, saying why; the
    // outcome itself is always recorded.
    const stored = recordResults ? (canonical.json ? JSON.parse(canonical.text) : canonical.text) : undefined
    const problem = recordResults ? findJsonProblem(stored, DEFAULT_ARGUMENT_LIMITS) : null
    if (problem) body.result_omitted = { reason: problem.kind, message: problem.message }
    else if (recordResults) body.result = stored
  }
  if (report.error !== undefined) body.error = report.error
  return body
}

function canonicalOrString(value: unknown): { text: string; json: boolean } {
  try {
    return { text: canonicalJson(value), json: true }
  } catch {
    return { text: String(value), json: false }
  }
}

/** Whether a decision needs approvers before it may run. @internal */
export function needsApproval(decision: Decision): decision is Decision & {
  approval: NonNullable<Decision['approval']>
} {
  return decision.action === 'require_approval' && decision.approval !== undefined
}
