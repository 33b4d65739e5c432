import type { Decision } from '../policy/index.js'

/** Whether a decision needs approvers before it may run. @internal */
export function needsApproval(decision: Decision): decision is Decision & {
  approval: NonNullable<Decision['approval']>
} {
  return decision.action === 'require_approval' && decision.approval !== undefined
}
