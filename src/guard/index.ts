// Policy types adapters need to build inputs and read reasons; adapters depend on guard only.
export { type Reason, reasonSchema, type ToolCallInput } from '../policy/index.js'
export {
  type AdmissionLimits,
  admitToolCall,
  assertArgumentBytes,
  DEFAULT_ADMISSION_LIMITS,
} from './admission.js'
export type { ApprovalStatus, Approver } from './approval-state.js'
export { type ApprovalDesk, createApprovalDesk, type PendingApproval } from './approvals.js'
export {
  ApprovalError,
  type ApprovalErrorCode,
  describeReasons,
  GuardError,
  type GuardErrorCode,
  reasonsForModel,
  ToolDeniedError,
} from './errors.js'
export type {
  CallContext,
  CheckOptions,
  Guard,
  GuardOptions,
  GuardVerdict,
  OutcomeReport,
  RecordedDecision,
  WrapMeta,
} from './guard.types.js'
export { createGuard } from './interceptor.js'
export { findUnknownOutcomes, type UnknownOutcome } from './outcomes.js'
