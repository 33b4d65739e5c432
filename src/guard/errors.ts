import type { Reason } from '../policy/index.js'
import { ArbiterError } from '../shared/index.js'

export type GuardErrorCode =
  | 'GUARD_LEDGER_UNAVAILABLE'
  | 'GUARD_POLICY_FAILED'
  | 'GUARD_REDACTION_FAILED'
  | 'GUARD_NOT_AWAITING_APPROVAL'
  | 'GUARD_APPROVAL_ABANDONED'
  | 'GUARD_ALREADY_RECORDED'

/**
 * The guard could not evaluate or record a call, so it refused to run it (fail closed).
 * `GUARD_ALREADY_RECORDED`: the ledger already holds this link (an outcome for the decision, a decision
 * for the vendor event, an approval request for the decision); nothing new was written.
 */
export class GuardError extends ArbiterError<GuardErrorCode> {}

/**
 * The call was not allowed: policy denied it, or an approval was refused or timed out. `reasons` carry
 * the policy's messages, meant to be shown to the model so it can adapt.
 */
export class ToolDeniedError extends ArbiterError<'TOOL_DENIED'> {
  constructor(
    readonly decisionId: string,
    readonly reasons: readonly Reason[],
  ) {
    super('TOOL_DENIED', `tool call denied: ${describeReasons(reasons)}`)
  }
}

export type ApprovalErrorCode = 'APPROVAL_FORBIDDEN' | 'APPROVAL_NOT_FOUND' | 'APPROVAL_CLOSED'

/** An approval or denial was refused: wrong role, self-approval, unknown or already closed request. */
export class ApprovalError extends ArbiterError<ApprovalErrorCode> {}

/** Joins reasons into one line for people and models: `fintech.transfer_limit: transfers above …`. */
export function describeReasons(reasons: readonly Reason[]): string {
  if (reasons.length === 0) return 'no reason given'
  return reasons.map((r) => `${r.rule}: ${r.message}`).join('; ')
}

/**
 * The text an agent sees when a call is denied: the policy's own messages, with rule ids so a
 * person reading the transcript can find the rule.
 */
export function reasonsForModel(reasons: readonly Reason[]): string {
  const lines = reasons.map((r) => `- ${r.message} [${r.rule}]`)
  return `This tool call was blocked by company policy (Arbiter) and did not run.\n${lines.join('\n')}`
}
