import type { Decision, Reason } from '../policy/index.js'

/** Whether a decision needs approvers before it may run. @internal */
export function needsApproval(decision: Decision): decision is Decision & {
  approval: NonNullable<Decision['approval']>
} {
  return decision.action === 'require_approval' && decision.approval !== undefined
}

/**
 * A front door's own refusal (e.g. a tool the policy hides from this caller) as the decision to record:
 * `deny` with `veto` first and the policy's own deny reasons after it (the model sees every rule that
 * refused the call); the policy's redactions still apply to what is stored. @internal
 */
export function vetoed(decision: Decision, veto: Reason): Decision {
  return {
    action: 'deny',
    reasons: [veto, ...(decision.action === 'deny' ? decision.reasons : [])],
    ...(decision.redact ? { redact: decision.redact } : {}),
    ...(decision.redact_input ? { redact_input: decision.redact_input } : {}),
  }
}
